/**
 * One pass of the StatefulSet update algorithm (stateful_set_control.go updateStatefulSet): split
 * the pods into replicas (ordinals in range) and condemned ones, create missing replicas, recreate
 * finished ones, restore identity and storage, delete condemned pods from the highest ordinal, and
 * roll pods to the update revision from the highest ordinal down to the partition. With
 * OrderedReady ("monotonic") every step waits for all lower ordinals to be Running and Ready and
 * acts on one pod; Parallel creates and deletes without waiting (slow-start batches).
 */
import { isPodAvailable } from './pod-status.ts';
import { SLOW_START_INITIAL_BATCH } from './pod-control.ts';
import type { StatefulPodControl } from './statefulset-pod-control.ts';
import { endOrdinal, identityMatches, inOrdinalRange, isHealthy, isRunningAndReady, newStatefulSetPod, ordinalOf, podRevision, startOrdinal, storageMatches } from './statefulset-pods.ts';
import type { StatefulSet, StatefulSetStatus } from './set-types.ts';
import type { Pod } from './workload-types.ts';

/** The inputs of one pass: the set, the set at its current and update revisions, and its pods. */
export interface UpdateInput {
  set: StatefulSet;
  /** The set with the current revision's template. */
  currentSet: StatefulSet;
  /** The set with the update revision's template. */
  updateSet: StatefulSet;
  currentRevision: string;
  updateRevision: string;
  collisionCount: number;
  pods: Pod[];
  control: StatefulPodControl;
  now: number;
}

/** What a pass computed: the status to write, and the first write error (the key is retried). */
export interface UpdateResult {
  status: StatefulSetStatus;
  error?: Error;
}

/** A step's verdict: stop this pass (OrderedReady waits), or go on. */
type Step = (i: number) => Promise<boolean>;

/** computeReplicaStatus over the pod lists, into `status`. */
function countPods(status: StatefulSetStatus, input: UpdateInput, created: (p: Pod) => boolean, ...lists: Pod[][]): void {
  let replicas = 0, ready = 0, available = 0, current = 0, updated = 0;
  const minReady = input.set.spec.minReadySeconds ?? 0;
  for (const pod of lists.flat()) {
    if (created(pod)) replicas++;
    if (isRunningAndReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReady, input.now)) available++;
    }
    if (created(pod) && !pod.metadata.deletionTimestamp) {
      const revision = podRevision(pod);
      if (revision === input.currentRevision) current++;
      if (revision === input.updateRevision) updated++;
    }
  }
  Object.assign(status, { replicas, readyReplicas: ready, availableReplicas: available, currentReplicas: current, updatedReplicas: updated });
}

/** runForAll: in order until a step says stop (OrderedReady), or all in slow-start batches (Parallel). */
async function runForAll(count: number, step: Step, monotonic: boolean): Promise<boolean> {
  if (monotonic) {
    for (let i = 0; i < count; i++) if (await step(i)) return true;
    return false;
  }
  let next = 0;
  for (let batch = Math.min(count, SLOW_START_INITIAL_BATCH); batch > 0; batch = Math.min(2 * batch, count - next)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, (_, k) => step(next + k)));
    next += batch;
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }
  return false;
}

/**
 * updateStatefulSet: one level-based pass; returns the status with observedGeneration, revisions,
 * collisionCount and the pod counts after this pass's writes.
 */
export async function updateStatefulSet(input: UpdateInput): Promise<UpdateResult> {
  const { set, control } = input;
  const status: StatefulSetStatus = { observedGeneration: set.metadata.generation, replicas: 0, availableReplicas: 0, currentRevision: input.currentRevision, updateRevision: input.updateRevision, collisionCount: input.collisionCount };
  const placeholders = new Set<Pod>();
  const created = (p: Pod): boolean => !placeholders.has(p);
  const start = startOrdinal(set);
  const replicas: Pod[] = new Array(Math.max(0, endOrdinal(set) - start + 1));
  const condemned: Pod[] = [];
  for (const pod of input.pods) {
    if (inOrdinalRange(pod, set)) replicas[ordinalOf(pod) - start] = pod;
    else if (ordinalOf(pod) >= 0) condemned.push(pod);
  }
  countPods(status, input, created, replicas.filter(Boolean), condemned);
  for (let i = 0; i < replicas.length; i++) {
    if (replicas[i]) continue;
    replicas[i] = newVersionedPod(input, start + i);
    placeholders.add(replicas[i]);
  }
  condemned.sort((a, b) => ordinalOf(b) - ordinalOf(a));
  const firstUnhealthy = [...replicas, ...[...condemned].reverse()].find((p) => !isHealthy(p));
  const finish = (error?: Error): UpdateResult => {
    countPods(status, input, created, replicas, condemned);
    return { status, error };
  };
  if (set.metadata.deletionTimestamp) return finish();
  const monotonic = set.spec.podManagementPolicy !== 'Parallel';
  try {
    if (await runForAll(replicas.length, (i) => processReplica(input, replicas, i, placeholders, monotonic), monotonic)) return finish();
    if (await runForAll(condemned.length, (i) => fixCondemnedClaims(input, condemned[i]), monotonic)) return finish();
    if (await runForAll(condemned.length, (i) => processCondemned(input, condemned[i], firstUnhealthy, monotonic), monotonic)) return finish();
    countPods(status, input, created, replicas, condemned);
    if (set.spec.updateStrategy?.type === 'OnDelete') return finish();
    await rollOne(input, replicas, status);
  } catch (err) {
    return finish(err as Error);
  }
  return { status };
}

/** newVersionedStatefulSetPod: ordinals below the partition get the current revision, the rest the update revision. */
function newVersionedPod(input: UpdateInput, ordinal: number): Pod {
  const strategy = input.currentSet.spec.updateStrategy;
  const rolling = (strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
  const partition = strategy?.rollingUpdate?.partition;
  const keepCurrent = rolling && (partition === undefined ? ordinal < startOrdinal(input.set) + (input.currentSet.status?.currentReplicas ?? 0) : ordinal < startOrdinal(input.set) + partition);
  return keepCurrent ? newStatefulSetPod(input.set, input.currentSet, ordinal, input.currentRevision) : newStatefulSetPod(input.set, input.updateSet, ordinal, input.updateRevision);
}

/** processReplica: returns true to stop the pass. */
async function processReplica(input: UpdateInput, replicas: Pod[], i: number, placeholders: Set<Pod>, monotonic: boolean): Promise<boolean> {
  const { set, control } = input;
  const pod = replicas[i];
  const phase = pod.status?.phase;
  // A finished pod is deleted; the next pass (once the cache has seen it go) creates it anew.
  if (!placeholders.has(pod) && (phase === 'Failed' || phase === 'Succeeded')) {
    if (!pod.metadata.deletionTimestamp) await control.deletePod(set, pod);
    return true;
  }
  if (placeholders.has(pod)) {
    await control.createPod(set, pod);
    return monotonic;
  }
  if (phase === 'Pending') await control.createMissingClaims(set, pod);
  if (monotonic && (pod.metadata.deletionTimestamp || !isRunningAndReady(pod) || !isPodAvailable(pod, set.spec.minReadySeconds ?? 0, input.now))) return true;
  if (identityMatches(set, pod) && storageMatches(set, pod) && control.claimsMatchPolicy(input.updateSet, pod)) return false;
  if (!identityMatches(set, pod) || !storageMatches(set, pod)) await control.updatePod(input.updateSet, pod);
  await control.fixClaimOwners(input.updateSet, pod);
  return false;
}

/** Before a condemned pod goes, its claims get the owners WhenScaled asks for. */
async function fixCondemnedClaims(input: UpdateInput, pod: Pod): Promise<boolean> {
  if (!input.control.claimsMatchPolicy(input.updateSet, pod)) await input.control.fixClaimOwners(input.updateSet, pod);
  return false;
}

/** processCondemned: delete from the highest ordinal; OrderedReady waits for terminations and healthy predecessors. */
async function processCondemned(input: UpdateInput, pod: Pod, firstUnhealthy: Pod | undefined, monotonic: boolean): Promise<boolean> {
  if (pod.metadata.deletionTimestamp) return monotonic;
  if (monotonic && pod !== firstUnhealthy && (!isRunningAndReady(pod) || !isPodAvailable(pod, input.set.spec.minReadySeconds ?? 0, input.now))) return true;
  await input.control.deletePod(input.set, pod);
  return monotonic;
}

/**
 * The RollingUpdate step: from the highest ordinal down to the partition, delete the first pod
 * not at the update revision (the create step brings it back at the new revision next pass), or
 * wait while the pod in the way is unhealthy: at most one pod is unavailable for the update.
 */
async function rollOne(input: UpdateInput, replicas: Pod[], status: StatefulSetStatus): Promise<void> {
  const partition = input.set.spec.updateStrategy?.rollingUpdate?.partition ?? 0;
  for (let target = replicas.length - 1; target >= partition; target--) {
    const pod = replicas[target];
    if (podRevision(pod) !== input.updateRevision && !pod.metadata.deletionTimestamp) {
      await input.control.deletePod(input.set, pod);
      status.currentReplicas = (status.currentReplicas ?? 0) - 1;
      return;
    }
    if (!isHealthy(pod)) return;
  }
}
