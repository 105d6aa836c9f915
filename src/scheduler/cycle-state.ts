/**
 * Per-pod scratch data shared by the plugins during one scheduling cycle (framework.CycleState):
 * PreFilter computes, Filter and Score read. Preemption clones it before simulating removals.
 */

/** Data a plugin stores in the cycle state; cloned when the state is cloned. */
export interface StateData {
  /** A copy independent of the original (preemption mutates copies through AddPod/RemovePod). */
  clone(): StateData;
}

/** Key-value scratch space for one pod's scheduling cycle. */
export class CycleState {
  private readonly data = new Map<string, StateData>();
  /** Plugins whose PreFilter returned Skip: their Filter is not run (framework skipFilterPlugins). */
  readonly skipFilterPlugins = new Set<string>();
  /** Plugins whose PreScore returned Skip: their Score is not run. */
  readonly skipScorePlugins = new Set<string>();

  /** Stores a plugin's data under a key (conventionally "PreFilter" + plugin name). */
  write(key: string, value: StateData): void {
    this.data.set(key, value);
  }

  /** Reads a plugin's data; undefined when the key was never written. */
  read<T extends StateData>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }

  /** Removes a key. */
  delete(key: string): void {
    this.data.delete(key);
  }

  /** A deep-enough copy: every stored value is cloned through its own clone(). */
  clone(): CycleState {
    const copy = new CycleState();
    for (const [k, v] of this.data) copy.data.set(k, v.clone());
    for (const p of this.skipFilterPlugins) copy.skipFilterPlugins.add(p);
    for (const p of this.skipScorePlugins) copy.skipScorePlugins.add(p);
    return copy;
  }
}
