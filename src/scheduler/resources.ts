/**
 * Resource arithmetic as the scheduler does it: Kubernetes quantity parsing (resource.Quantity with
 * the rounding of MilliValue/Value), the Resource vector of framework.Resource, and pod requests as
 * resourcehelper.PodRequests computes them.
 */
import type { V1Container } from '@kubernetes/client-node';
import type { Pod } from './types.ts';

/** Default CPU request (millicores) assumed for scoring when a container sets none (schedutil.DefaultMilliCPURequest). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
/** Default memory request (bytes) assumed for scoring when a container sets none (schedutil.DefaultMemoryRequest). */
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

const QUANTITY = /^([+-]?)(\d*)(?:\.(\d*))?(?:(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])|[eE]([+-]?\d+))?$/;
const DECIMAL_EXP: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_EXP: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

interface Parsed {
  /** Value() : the quantity rounded up to an integer. */
  value: number;
  /** MilliValue(): the quantity times 1000, rounded up. */
  milli: number;
  /** The exact value as a float (for display and ratios). */
  float: number;
}
const cache = new Map<string, Parsed>();

/** Ceil of num * 10^exp10 * 2^exp2 computed exactly with BigInt (no float drift: "0.1" is 100m, not 101m). */
function scaledCeil(num: bigint, exp10: number, exp2: number): number {
  let n = num * 2n ** BigInt(exp2);
  if (exp10 >= 0) return Number(n * 10n ** BigInt(exp10));
  const d = 10n ** BigInt(-exp10);
  const q = n / d;
  // Round toward +infinity, as Quantity.MilliValue/Value do (ScaledValue rounds up).
  return Number(n % d !== 0n && n > 0n ? q + 1n : q);
}

function parse(text: string): Parsed {
  const hit = cache.get(text);
  if (hit) return hit;
  const m = QUANTITY.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new Error(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`);
  const [, sign, whole, frac = '', suffix, exponent] = m;
  const digits = BigInt((sign === '-' ? '-' : '') + (whole + frac || '0'));
  let exp10 = -frac.length;
  let exp2 = 0;
  if (exponent !== undefined) exp10 += Number(exponent);
  else if (suffix && suffix in BINARY_EXP) exp2 = BINARY_EXP[suffix];
  else exp10 += DECIMAL_EXP[suffix ?? ''];
  const parsed: Parsed = {
    value: scaledCeil(digits, exp10, exp2),
    milli: scaledCeil(digits, exp10 + 3, exp2),
    float: Number(`${sign}${whole || '0'}.${frac || '0'}`) * 10 ** (exp10 + frac.length) * 2 ** exp2,
  };
  if (cache.size < 10_000) cache.set(text, parsed);
  return parsed;
}

/** The quantity as a number (`"1.5"` -> 1.5, `"128Mi"` -> 134217728); throws on malformed text. */
export function parseQuantity(q: string | number): number {
  return typeof q === 'number' ? q : parse(q.trim()).float;
}

/** Quantity.MilliValue(): thousandths, rounded up (`"100m"` -> 100, `"1.5"` -> 1500). */
export function quantityMilli(q: string | number): number {
  return typeof q === 'number' ? Math.ceil(q * 1000) : parse(q.trim()).milli;
}

/** Quantity.Value(): the integer value, rounded up (`"1G"` -> 1e9, `"1e3"` -> 1000, `"100m"` -> 1). */
export function quantityValue(q: string | number): number {
  return typeof q === 'number' ? Math.ceil(q) : parse(q.trim()).value;
}

/** The resources framework.Resource tracks; every other name is a scalar (extended, hugepages-*). */
export const CPU = 'cpu';
export const MEMORY = 'memory';
export const EPHEMERAL_STORAGE = 'ephemeral-storage';
export const PODS = 'pods';

/**
 * A resource vector (framework.Resource): CPU in millicores, memory and ephemeral storage in bytes,
 * a pod count, and scalar resources (extended resources, hugepages) by name.
 */
export class Resource {
  milliCPU = 0;
  memory = 0;
  ephemeralStorage = 0;
  allowedPodNumber = 0;
  /** Scalar resources; null until one is set (most pods have none). */
  scalar: Map<string, number> | null = null;

  /** A resource vector from a ResourceList map (`{cpu: "2", memory: "4Gi", "example.com/gpu": "1"}`). */
  static fromList(list: Record<string, string | number> | undefined): Resource {
    const r = new Resource();
    if (list) for (const name in list) r.addQuantity(name, list[name]);
    return r;
  }

  /** Adds one named quantity with the rounding Kubernetes applies (cpu as MilliValue, others as Value). */
  addQuantity(name: string, q: string | number): void {
    switch (name) {
      case CPU: this.milliCPU += quantityMilli(q); break;
      case MEMORY: this.memory += quantityValue(q); break;
      case EPHEMERAL_STORAGE: this.ephemeralStorage += quantityValue(q); break;
      case PODS: this.allowedPodNumber += quantityValue(q); break;
      default: this.addScalar(name, quantityValue(q));
    }
  }

  /** Adds to a scalar resource. */
  addScalar(name: string, amount: number): void {
    const s = (this.scalar ??= new Map());
    s.set(name, (s.get(name) ?? 0) + amount);
  }

  /** The amount of a scalar resource (0 when absent). */
  getScalar(name: string): number {
    return this.scalar?.get(name) ?? 0;
  }

  /** this += other, in place. */
  add(other: Resource): void {
    this.milliCPU += other.milliCPU;
    this.memory += other.memory;
    this.ephemeralStorage += other.ephemeralStorage;
    this.allowedPodNumber += other.allowedPodNumber;
    if (other.scalar) for (const [k, v] of other.scalar) this.addScalar(k, v);
  }

  /** this -= other, in place. */
  sub(other: Resource): void {
    this.milliCPU -= other.milliCPU;
    this.memory -= other.memory;
    this.ephemeralStorage -= other.ephemeralStorage;
    this.allowedPodNumber -= other.allowedPodNumber;
    if (other.scalar) for (const [k, v] of other.scalar) this.addScalar(k, -v);
  }

  /** this = max(this, other) per resource (Resource.SetMaxResource). */
  setMax(other: Resource): void {
    this.milliCPU = Math.max(this.milliCPU, other.milliCPU);
    this.memory = Math.max(this.memory, other.memory);
    this.ephemeralStorage = Math.max(this.ephemeralStorage, other.ephemeralStorage);
    this.allowedPodNumber = Math.max(this.allowedPodNumber, other.allowedPodNumber);
    if (other.scalar) for (const [k, v] of other.scalar) if (v > this.getScalar(k)) (this.scalar ??= new Map()).set(k, v);
  }

  /** An independent copy. */
  clone(): Resource {
    const r = new Resource();
    r.add(this);
    return r;
  }
}

/** A container's requests; with `nonZero`, missing cpu/memory requests count as the scoring defaults. */
function containerRequests(c: V1Container, nonZero: boolean): Resource {
  const requests = c.resources?.requests as Record<string, string> | undefined;
  const r = Resource.fromList(requests);
  if (nonZero) {
    // NonMissingContainerRequests: only an absent request is replaced, an explicit "0" stays 0.
    if (!requests || !(CPU in requests)) r.milliCPU = DEFAULT_MILLI_CPU_REQUEST;
    if (!requests || !(MEMORY in requests)) r.memory = DEFAULT_MEMORY_REQUEST;
  }
  return r;
}

/**
 * The pod's effective requests (resourcehelper.PodRequests): the sum over app containers and
 * restartable (sidecar) init containers, at least the peak of any regular init container plus the
 * sidecars started before it, plus spec.overhead. With `nonZero`, containers without cpu/memory
 * requests count as 100m / 200Mi (the NonZeroRequested the scorers use).
 */
export function podRequests(pod: Pod, nonZero = false): Resource {
  const spec = pod.spec;
  const total = new Resource();
  if (!spec) return total;
  for (const c of spec.containers ?? []) total.add(containerRequests(c, nonZero));
  const sidecars = new Resource();
  const initPeak = new Resource();
  for (const c of spec.initContainers ?? []) {
    let r = containerRequests(c, nonZero);
    if (c.restartPolicy === 'Always') {
      // A sidecar keeps running beside the app containers, so it adds to the total too.
      total.add(r);
      sidecars.add(r);
      r = sidecars.clone();
    } else {
      r.add(sidecars);
    }
    initPeak.setMax(r);
  }
  total.setMax(initPeak);
  if (spec.overhead) total.add(Resource.fromList(spec.overhead as Record<string, string>));
  return total;
}
