/**
 * Plugin result codes and statuses, as the scheduler framework defines them (framework.Code and
 * framework.Status). Success is represented by `null` on hot paths so filters allocate nothing
 * for a fitting node.
 */

/** The framework's status codes, with Kubernetes' numbering. */
export enum Code {
  Success = 0,
  Error = 1,
  /** The pod does not fit now; preemption or a cluster change may help. */
  Unschedulable = 2,
  /** The pod does not fit and preemption on this node cannot help. */
  UnschedulableAndUnresolvable = 3,
  Wait = 4,
  /** The plugin has nothing to do for this pod (PreFilter/PreScore), so its later points are skipped. */
  Skip = 5,
  /** The pod waits for something outside the scheduler (for example a volume being provisioned). */
  Pending = 6,
}

/** Code names as Kubernetes prints them. */
export const CODE_NAMES: Record<Code, string> = {
  [Code.Success]: 'Success',
  [Code.Error]: 'Error',
  [Code.Unschedulable]: 'Unschedulable',
  [Code.UnschedulableAndUnresolvable]: 'UnschedulableAndUnresolvable',
  [Code.Wait]: 'Wait',
  [Code.Skip]: 'Skip',
  [Code.Pending]: 'Pending',
};

/**
 * A non-success outcome of a plugin: a code, the human-readable reasons (each one counts separately
 * in the FitError histogram) and the plugin that produced it.
 */
export class Status {
  /** The plugin that returned this status (filled by the runtime when empty). */
  plugin: string;

  constructor(
    readonly code: Code,
    readonly reasons: readonly string[] = [],
    plugin = '',
  ) {
    this.plugin = plugin;
  }

  /** The reasons joined with ", ", as Status.Message() does. */
  message(): string {
    return this.reasons.join(', ');
  }

  /** Unschedulable or UnschedulableAndUnresolvable: the node or pod was rejected (Status.IsRejected). */
  isRejected(): boolean {
    return this.code === Code.Unschedulable || this.code === Code.UnschedulableAndUnresolvable || this.code === Code.Pending;
  }
}

/** The status of a plugin result; `null` means Success. */
export type Result = Status | null;

/** Whether a result is Success (null or an explicit Success status). */
export function isSuccess(result: Result | undefined): boolean {
  return !result || result.code === Code.Success;
}

/** A status with one reason (or none). */
export function newStatus(code: Code, reason?: string, plugin = ''): Status {
  return new Status(code, reason === undefined ? [] : [reason], plugin);
}

/** An Error status wrapping an exception (framework.AsStatus). */
export function asStatus(err: unknown, plugin = ''): Status {
  return new Status(Code.Error, [err instanceof Error ? err.message : String(err)], plugin);
}
