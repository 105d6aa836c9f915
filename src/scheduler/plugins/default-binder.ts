/**
 * DefaultBinder (plugins/defaultbinder): binds the pod through the Binder the wiring supplies
 * (POST pods/binding in Kubernetes).
 */
import type { BindPlugin, Binder, Handle, PluginFactory } from '../framework.ts';
import type { PodInfo } from '../pod-info.ts';
import { asStatus } from '../status.ts';
import type { Result } from '../status.ts';

/** Plugin name. */
export const DEFAULT_BINDER = 'DefaultBinder';

/** The DefaultBinder bind plugin. */
export class DefaultBinder implements BindPlugin {
  readonly name = DEFAULT_BINDER;
  constructor(private readonly handle: Handle) {}

  async bind(_state: unknown, pod: PodInfo, nodeName: string): Promise<Result> {
    const binder: Binder | undefined = this.handle.binder;
    if (!binder) return asStatus(new Error('no binder configured'), DEFAULT_BINDER);
    try {
      await binder.bind(pod.pod, nodeName);
      return null;
    } catch (err) {
      return asStatus(err, DEFAULT_BINDER);
    }
  }
}

/** Factory for the registry. */
export const newDefaultBinder: PluginFactory = (_args, handle) => new DefaultBinder(handle);
