/**
 * The control-plane components `skiff server` runs, each as one function from a client and a stop
 * signal: the scheduler (leader-elected through kube-system/kube-scheduler) and the controller
 * manager (leader-elected through kube-system/kube-controller-manager). The same functions run
 * in the server's thread or in a worker thread (component-thread.ts); run together
 * (runComponents), they share one informer factory, so every pod is cached once rather than
 * once per component.
 */
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import type { KubeClient } from '../client/interface.ts';
import { allControllers } from '../controllers/index.ts';
import { runControllers } from '../machinery/controller.ts';
import { ApiEventRecorder } from '../machinery/event-recorder.ts';
import { SharedInformerFactory } from '../machinery/informer-factory.ts';
import { LeaderElector } from '../machinery/leader-election.ts';
import { schedulerTransform, stripManagedFields } from '../machinery/transforms.ts';
import { startScheduler } from './scheduler.ts';

/** Everything a component needs, as plain data (it crosses into a worker thread). */
export interface ComponentSpec {
  component: 'scheduler' | 'controller-manager';
  /** The API server's URL, its CA and this component's client certificate and key (PEM). */
  server: string;
  ca: string;
  cert: string;
  key: string;
  userAgent: string;
  /** Leader-election identity (host and a per-process uuid). */
  identity: string;
  /** The cluster CA the kube-root-ca.crt ConfigMaps publish. */
  caPem: string;
  /** Pod network the node IPAM controller splits into per-node ranges. */
  clusterCIDR?: string;
}

type Log = (msg: string, extra?: Record<string, unknown>) => void;

/**
 * Runs several components until `signal` aborts, on one informer factory (listing and watching
 * through the controller manager's client): with 150,000 pods, a second copy of every pod cost about
 * 0.5 GiB and decoding every pod event twice. Each component writes through its own client (its
 * own user and User-Agent). Objects are cached without managedFields, which none of them reads.
 */
export async function runComponents(components: { spec: ComponentSpec; client: KubeClient; log: Log }[], signal: AbortSignal): Promise<void> {
  if (components.length === 0) return;
  // Controllers write through their factory's client (ReconcileContext.client): it is the controller manager's.
  const reader = components.find((c) => c.spec.component === 'controller-manager') ?? components[0]!;
  const factory = new SharedInformerFactory(reader.client, { transform: stripManagedFields });
  try {
    await Promise.all(components.map(({ spec, client, log }) => runComponent(spec, client, signal, log, factory).catch((err) => log(`${spec.component} failed`, { error: err instanceof Error ? err.stack : String(err) }))));
  } finally {
    await factory.shutdown();
  }
}

/**
 * Runs one component until `signal` aborts; resolves once it has stopped. `shared` is an informer
 * factory other components use too (its owner shuts it down); without it the component has its own.
 */
export async function runComponent(spec: ComponentSpec, client: KubeClient, signal: AbortSignal, log: Log, shared?: SharedInformerFactory): Promise<void> {
  if (spec.component === 'scheduler') {
    // On its own: cached objects without what the scheduler never reads (managedFields, container statuses).
    const factory = shared ?? new SharedInformerFactory(client, { transform: schedulerTransform });
    const { done } = await startScheduler(client, factory, signal, { log });
    await done;
    if (!shared) await factory.shutdown();
    return;
  }
  // One informer factory for every leadership term: a term that ends (a renewal that timed out under
  // load) stops the controllers but keeps the caches, so the next term starts from warm caches
  // instead of relisting every pod (150,000 of them in the scale run, a multi-second stall for the
  // API server each time). kube-controller-manager exits instead and relists after its restart.
  const factory = shared ?? new SharedInformerFactory(client, { transform: stripManagedFields });
  const recorder = new ApiEventRecorder(client, { component: 'skiff-controller-manager', host: hostname() }, log);
  try {
    while (!signal.aborted) {
      // The next term starts only after this one's workers have drained (no two sets of controllers at once).
      let running: Promise<void> = Promise.resolve();
      const elector = new LeaderElector({
        client,
        name: 'kube-controller-manager',
        identity: spec.identity,
        onStartedLeading: (leading) => {
          setMaxListeners(0, leading);
          running = runControllers(allControllers({ caPem: spec.caPem, clusterCIDR: spec.clusterCIDR }), { factory, recorder, log }, leading).catch((err) =>
            log('controllers stopped with an error', { error: err instanceof Error ? err.stack : String(err) }),
          );
          return running;
        },
        onStoppedLeading: () => log('controller-manager lost its lease'),
        log,
      });
      await elector.run(signal);
      await running;
    }
  } finally {
    if (!shared) await factory.shutdown();
  }
}
