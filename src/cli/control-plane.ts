import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { issueClientCertificate, type Pki } from '../apiserver/authn/pki.ts';
import { RestClient } from '../client/rest-client.ts';
import { startComponentThread } from './component-thread.ts';
import { runComponents, type ComponentSpec } from './components.ts';

export interface ControlPlaneOptions {
  /** The API server's URL as the components reach it (loopback). */
  server: string;
  pki: Pki;
  disableScheduler?: boolean;
  disableControllerManager?: boolean;
  /** Pod network the node IPAM controller splits into per-node ranges. */
  clusterCIDR?: string;
  /**
   * Run the scheduler and the controller manager in a worker thread (default true): Node has one
   * event loop per thread, so in-process they would share the API server's loop and one core; in
   * a thread they use another core and never delay a request. Both run in the same thread, on one
   * informer cache: on a 2-core machine a second thread bought little CPU and cost a second copy
   * of every pod (~0.5 GiB at 150,000 pods).
   */
  threads?: boolean;
  log: (msg: string, extra?: Record<string, unknown>) => void;
}

/**
 * Credentials for one component: its own client certificate (CN = the component's Kubernetes user
 * name) and a User-Agent naming it, so field managers and events say who wrote.
 */
async function componentSpec(opts: ControlPlaneOptions, component: ComponentSpec['component'], user: string, agent: string, identity: string): Promise<ComponentSpec> {
  const { cert, key } = await issueClientCertificate(opts.pki, user, [], 365);
  return { component, server: opts.server, ca: opts.pki.caCert, cert, key, userAgent: `${agent}/0.1.0`, identity, caPem: opts.pki.caCert, clusterCIDR: opts.clusterCIDR };
}

/**
 * Starts kube-scheduler's and kube-controller-manager's equivalents next to the API server, each
 * talking to it over HTTPS like any client (components meet only at the API) and each
 * leader-elected through its Lease, so several servers on one etcd run one of each. Resolves
 * with a function that stops them.
 */
export async function startControlPlane(opts: ControlPlaneOptions): Promise<() => Promise<void>> {
  const identity = `${hostname()}_${randomUUID()}`;
  const specs: ComponentSpec[] = [];
  if (!opts.disableScheduler) specs.push(await componentSpec(opts, 'scheduler', 'system:kube-scheduler', 'skiff-scheduler', identity));
  if (!opts.disableControllerManager) specs.push(await componentSpec(opts, 'controller-manager', 'system:kube-controller-manager', 'skiff-controller-manager', identity));
  if (specs.length === 0) return async () => {};
  if (opts.threads ?? true) {
    const thread = startComponentThread(specs, opts.log);
    return () => thread.stop();
  }
  const abort = new AbortController();
  // Every informer and controller listens on the same stop signal: dozens of listeners are expected.
  setMaxListeners(0, abort.signal);
  const components = specs.map((spec) => ({
    spec,
    client: new RestClient({ server: spec.server, ca: spec.ca, cert: spec.cert, key: spec.key, userAgent: spec.userAgent }),
    log: (msg: string, extra?: Record<string, unknown>) => opts.log(msg, { ...extra, component: spec.component }),
  }));
  const running = runComponents(components, abort.signal);
  return async () => {
    abort.abort();
    await running;
    for (const { client } of components) client.close();
  };
}
