import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { issueClientCertificate, type Pki } from '../apiserver/authn/pki.ts';
import { RestClient } from '../client/rest-client.ts';
import { allControllers } from '../controllers/index.ts';
import { runControllers } from '../machinery/controller.ts';
import { ApiEventRecorder } from '../machinery/event-recorder.ts';
import { SharedInformerFactory } from '../machinery/informer-factory.ts';
import { LeaderElector } from '../machinery/leader-election.ts';
import { startScheduler } from './scheduler.ts';

export interface ControlPlaneOptions {
  /** The API server's URL as the components reach it (loopback). */
  server: string;
  pki: Pki;
  disableScheduler?: boolean;
  disableControllerManager?: boolean;
  /** Pod network the node IPAM controller splits into per-node ranges. */
  clusterCIDR?: string;
  log: (msg: string, extra?: Record<string, unknown>) => void;
}

/**
 * A client for one component, authenticated with its own certificate (CN = the component's
 * Kubernetes user name) and named in User-Agent, so field managers and events say who wrote.
 */
async function componentClient(opts: ControlPlaneOptions, user: string, agent: string): Promise<RestClient> {
  const { cert, key } = await issueClientCertificate(opts.pki, user, [], 365);
  return new RestClient({ server: opts.server, ca: opts.pki.caCert, cert, key, userAgent: `${agent}/0.1.0` });
}

/**
 * Starts kube-scheduler's and kube-controller-manager's equivalents next to the API server, each
 * talking to it over HTTPS like any client (components meet only at the API) and each
 * leader-elected through its Lease, so several servers on one etcd run one of each.
 */
export async function startControlPlane(opts: ControlPlaneOptions): Promise<() => Promise<void>> {
  const abort = new AbortController();
  // Every informer and controller listens on the same stop signal: dozens of listeners are expected.
  setMaxListeners(0, abort.signal);
  const running: Promise<unknown>[] = [];
  const identity = `${hostname()}_${randomUUID()}`;
  if (!opts.disableScheduler) {
    const client = await componentClient(opts, 'system:kube-scheduler', 'skiff-scheduler');
    const factory = new SharedInformerFactory(client);
    const { done } = await startScheduler(client, factory, abort.signal, { log: opts.log });
    running.push(done.finally(() => factory.shutdown()));
  }
  if (!opts.disableControllerManager) {
    const client = await componentClient(opts, 'system:kube-controller-manager', 'skiff-controller-manager');
    const elector = new LeaderElector({
      client,
      name: 'kube-controller-manager',
      identity,
      onStartedLeading: async (signal) => {
        setMaxListeners(0, signal);
        const factory = new SharedInformerFactory(client);
        const recorder = new ApiEventRecorder(client, { component: 'skiff-controller-manager', host: hostname() }, opts.log);
        try {
          await runControllers(allControllers({ caPem: opts.pki.caCert, clusterCIDR: opts.clusterCIDR }), { factory, recorder, log: opts.log }, signal);
        } finally {
          factory.shutdown();
        }
      },
      onStoppedLeading: () => opts.log('controller-manager lost its lease'),
    });
    running.push(elector.run(abort.signal).catch((err) => opts.log('controller-manager failed', { error: String(err) })));
  }
  return async () => {
    abort.abort();
    await Promise.allSettled(running);
  };
}
