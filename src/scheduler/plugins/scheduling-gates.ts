/**
 * SchedulingGates (plugins/schedulinggates): a pod with spec.schedulingGates stays out of the active
 * queue until every gate is removed.
 */
import type { ClusterEvent, PluginFactory, PreEnqueuePlugin } from '../framework.ts';
import { Code, newStatus } from '../status.ts';
import type { Result } from '../status.ts';
import type { Pod } from '../types.ts';

/** Plugin name. */
export const SCHEDULING_GATES = 'SchedulingGates';

/** The SchedulingGates pre-enqueue plugin. */
export class SchedulingGates implements PreEnqueuePlugin {
  readonly name = SCHEDULING_GATES;

  preEnqueue(pod: Pod): Result {
    const gates = pod.spec?.schedulingGates ?? [];
    if (gates.length === 0) return null;
    return newStatus(Code.UnschedulableAndUnresolvable, `waiting for scheduling gates: [${gates.map((g) => g.name).join(' ')}]`, SCHEDULING_GATES);
  }

  eventsToRegister(): ClusterEvent[] {
    return ['UnscheduledPodUpdate'];
  }
}

/** Factory for the registry. */
export const newSchedulingGates: PluginFactory = () => new SchedulingGates();
