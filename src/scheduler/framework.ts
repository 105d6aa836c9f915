/**
 * The scheduling framework's contracts (k8s.io/kubernetes/pkg/scheduler/framework/interface.go):
 * plugin interfaces per extension point, the handle plugins get, the plugin registry and the
 * profile that says which plugins run with which score weights.
 */
import type { CycleState } from './cycle-state.ts';
import type { NodeInfo } from './node-info.ts';
import type { PodInfo } from './pod-info.ts';
import type { Snapshot } from './snapshot.ts';
import type { Result, Status } from './status.ts';
import type { Pod } from './types.ts';

/** The highest score a Score plugin may return after normalization (framework.MaxNodeScore). */
export const MAX_NODE_SCORE = 100;
/** The lowest score (framework.MinNodeScore). */
export const MIN_NODE_SCORE = 0;

/** Every plugin has a unique name. */
export interface Plugin {
  readonly name: string;
}

/** PreFilter may restrict the candidate nodes (framework.PreFilterResult.NodeNames). */
export interface PreFilterResult {
  nodeNames: Set<string>;
}

/** Incremental updates of a PreFilter's state when pods are added or removed hypothetically (nominated pods, preemption). */
export interface PreFilterExtensions {
  addPod(state: CycleState, podToSchedule: PodInfo, podToAdd: PodInfo, node: NodeInfo): Result;
  removePod(state: CycleState, podToSchedule: PodInfo, podToRemove: PodInfo, node: NodeInfo): Result;
}

/** Runs once per pod before filtering; returns a rejection, Skip, success (null) or a node restriction. */
export interface PreFilterPlugin extends Plugin {
  preFilter(state: CycleState, pod: PodInfo): Result | PreFilterResult;
  preFilterExtensions?: PreFilterExtensions;
}

/** Decides whether the pod fits one node; null means it does. Must not allocate on success. */
export interface FilterPlugin extends Plugin {
  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Result;
}

/** Failure statuses of the filter phase, per node (framework.NodeToStatus). */
export interface NodeToStatus {
  /** Status of each node that was filtered and rejected. */
  statuses: Map<string, Status>;
  /** Status of nodes absent from `statuses` (not checked because PreFilter rejected or restricted them). */
  absent: Status | null;
}

/** Outcome of PostFilter (framework.PostFilterResult plus the victims preemption chose). */
export interface PostFilterResult {
  nominatedNodeName: string;
  victims: Pod[];
}

/** Runs when no node fits (preemption). */
export interface PostFilterPlugin extends Plugin {
  postFilter(state: CycleState, pod: PodInfo, filtered: NodeToStatus): { result: PostFilterResult | null; status: Result };
}

/** Runs once before scoring with the feasible nodes; Skip disables this plugin's Score for the pod. */
export interface PreScorePlugin extends Plugin {
  preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Result;
}

/** Scores one feasible node; optionally normalizes all scores to [0, 100] afterwards. */
export interface ScorePlugin extends Plugin {
  score(state: CycleState, pod: PodInfo, node: NodeInfo): number;
  /** Rewrites scores[0..count) in place (ScoreExtensions.NormalizeScore); nodes[i] is the node of scores[i]. */
  normalizeScore?(state: CycleState, pod: PodInfo, scores: Float64Array, count: number, nodes: readonly NodeInfo[]): void;
}

/** Reserve claims node-side state for the chosen node; Unreserve undoes it (in reverse plugin order). */
export interface ReservePlugin extends Plugin {
  reserve(state: CycleState, pod: PodInfo, nodeName: string): Result;
  unreserve(state: CycleState, pod: PodInfo, nodeName: string): void;
}

/** Work needed before binding (for example volume binding). */
export interface PreBindPlugin extends Plugin {
  preBind(state: CycleState, pod: PodInfo, nodeName: string): Promise<Result>;
}

/** Binds the pod; a Skip status hands over to the next bind plugin. */
export interface BindPlugin extends Plugin {
  bind(state: CycleState, pod: PodInfo, nodeName: string): Promise<Result>;
}

/** Gate before a pod may enter the active queue (PreEnqueuePlugin, e.g. SchedulingGates). */
export interface PreEnqueuePlugin extends Plugin {
  preEnqueue(pod: Pod): Result;
}

/** Orders the active queue. */
export interface QueueSortPlugin extends Plugin {
  less(a: QueuedPod, b: QueuedPod): boolean;
}

/** What the queue sort compares: the pod, its priority and when it entered the queue. */
export interface QueuedPod {
  pod: Pod;
  priority: number;
  /** Milliseconds; the time the pod was first added to the queue (QueuedPodInfo.Timestamp). */
  timestamp: number;
}

/** Kinds of cluster change that can make an unschedulable pod schedulable (framework.ClusterEvent). */
export type ClusterEvent =
  | 'NodeAdd' | 'NodeUpdate' | 'NodeDelete'
  | 'AssignedPodAdd' | 'AssignedPodUpdate' | 'AssignedPodDelete' | 'UnscheduledPodUpdate'
  | 'PvcAdd' | 'PvcUpdate' | 'PvAdd' | 'PvUpdate' | 'StorageClassAdd' | 'NamespaceAdd' | 'NamespaceUpdate'
  | 'ServiceChange' | 'UnschedulableTimeout' | 'ForceActivate';

/** Plugins that can reject pods say which events may make those pods schedulable (EnqueueExtensions). */
export interface EnqueueExtensions {
  eventsToRegister(): ClusterEvent[];
}

/** Minimal read access to PersistentVolumeClaims for VolumeBinding. */
export interface PvcLister {
  get(namespace: string, name: string): { metadata?: { deletionTimestamp?: string }; spec?: { volumeName?: string; storageClassName?: string }; status?: { phase?: string } } | undefined;
}

/** Minimal read access to StorageClasses (volumeBindingMode). */
export interface StorageClassLister {
  get(name: string): { volumeBindingMode?: string } | undefined;
}

/** The objects whose selectors give a pod's default topology spread selector (helper.DefaultSelector). */
export interface WorkloadLister {
  /** Services in a namespace (their spec.selector maps). */
  services(namespace: string): { spec?: { selector?: Record<string, string> } }[];
  /** A controller (ReplicationController, ReplicaSet or StatefulSet) by kind, namespace and name. */
  controller(kind: string, namespace: string, name: string): { spec?: { selector?: unknown } } | undefined;
}

/** Pods nominated to nodes by preemption, which filters must account for (PodNominator). */
export interface Nominator {
  nominatedPodsForNode(nodeName: string): readonly PodInfo[];
}

/** Deletes preemption victims and binds pods: the API side effects, supplied by the wiring. */
export interface Binder {
  bind(pod: Pod, nodeName: string): Promise<void>;
}

/**
 * What plugins receive at construction (framework.Handle): the snapshot, optional listers, and the
 * running framework (for preemption's filter re-runs), set once the framework is built.
 */
export interface Handle {
  snapshot: Snapshot;
  pvcs?: PvcLister;
  storageClasses?: StorageClassLister;
  workloads?: WorkloadLister;
  nominator?: Nominator;
  binder?: Binder;
  /** Filled in by the Framework constructor. */
  framework?: FrameworkRunner;
}

/** The subset of the framework runtime that plugins (preemption) call back into. */
export interface FrameworkRunner {
  runPreFilterExtensionAddPod(state: CycleState, pod: PodInfo, toAdd: PodInfo, node: NodeInfo): Result;
  runPreFilterExtensionRemovePod(state: CycleState, pod: PodInfo, toRemove: PodInfo, node: NodeInfo): Result;
  runFilterPluginsWithNominatedPods(state: CycleState, pod: PodInfo, node: NodeInfo): Result;
}

/** Builds a plugin from its args (pluginConfig) and the handle. */
export type PluginFactory = (args: Record<string, unknown> | undefined, handle: Handle) => Plugin;

/** Plugin factories by name (runtime.Registry). */
export type Registry = Map<string, PluginFactory>;

/** One enabled plugin; weight applies to Score. */
export interface PluginEntry {
  name: string;
  weight?: number;
}

/**
 * A scheduling profile (KubeSchedulerProfile): enabled plugins in MultiPoint order (each plugin runs
 * at every extension point it implements, in this order), per-plugin args, and the percentage of
 * nodes to score (0 = Kubernetes' adaptive default).
 */
export interface Profile {
  schedulerName: string;
  plugins: PluginEntry[];
  pluginConfig?: Record<string, Record<string, unknown>>;
  percentageOfNodesToScore?: number;
}

/**
 * The default profile of kube-scheduler 1.32 (v1 getDefaultPlugins), minus the plugins skiff does
 * not implement yet: VolumeRestrictions, NodeVolumeLimits, VolumeZone and ImageLocality.
 */
export const DEFAULT_PROFILE: Profile = {
  schedulerName: 'default-scheduler',
  plugins: [
    { name: 'SchedulingGates' },
    { name: 'PrioritySort' },
    { name: 'NodeUnschedulable' },
    { name: 'NodeName' },
    { name: 'TaintToleration', weight: 3 },
    { name: 'NodeAffinity', weight: 2 },
    { name: 'NodePorts' },
    { name: 'NodeResourcesFit', weight: 1 },
    { name: 'VolumeBinding' },
    { name: 'PodTopologySpread', weight: 2 },
    { name: 'InterPodAffinity', weight: 2 },
    { name: 'DefaultPreemption' },
    { name: 'NodeResourcesBalancedAllocation', weight: 1 },
    { name: 'DefaultBinder' },
  ],
};
