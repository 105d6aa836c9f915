import { existsSync, mkdirSync, rmSync, statfsSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../api/object.ts';
import { findResource } from '../api/registry.ts';
import { RestClient } from '../client/rest-client.ts';
import { SharedInformer } from '../machinery/informer.ts';
import { stripManagedFields } from '../machinery/transforms.ts';
import { ApiEventRecorder } from '../machinery/event-recorder.ts';
import { CriClient } from '../kubelet/cri/client.ts';
import { CriPodRuntime, LABEL_POD_UID } from '../kubelet/cri-runtime.ts';
import { readHostResolvConf } from '../kubelet/dns-config.ts';
import { buildOfflineImages } from '../kubelet/images/build.ts';
import { Kubelet } from '../kubelet/kubelet.ts';
import { NodeHeartbeat } from '../kubelet/node-heartbeat.ts';
import { nodeResources, readMachineInfo } from '../kubelet/node-status.ts';
import { apiObjectSource, cachedObjectSource } from '../kubelet/volumes/api-source.ts';
import { volumePodResources } from '../kubelet/volumes/pod-resources.ts';
import { VolumeManager } from '../kubelet/volumes/volume-manager.ts';
import { readStaticPods } from '../kubelet/static-pods.ts';
import { podPullCredentials, type PullSecret } from '../kubelet/pull-secrets.ts';
import { StatsProvider } from '../kubelet/stats/provider.ts';
import { criStatsRuntime } from '../kubelet/stats/cri-source.ts';
import { statsHandler } from '../kubelet/stats/handler.ts';
import { KubeletServer } from '../kubelet/server/server.ts';
import { obtainServingCert } from '../kubelet/server/serving-cert.ts';
import { kubeletServerDeps } from '../kubelet/server-deps.ts';
import { CNI_BRIDGE, writeCniConfig } from '../kubelet/runtime/cni-config.ts';
import { ensurePodMasquerade } from '../kubelet/runtime/pod-masquerade.ts';
import { containerdPaths, startContainerd, type RunningContainerd } from '../kubelet/runtime/containerd.ts';
import { importImageTarballs } from '../kubelet/runtime/import-images.ts';
import { checkHost } from '../kubelet/runtime/host-check.ts';
import { collectGarbage } from '../kubelet/garbage-collector.ts';

const NODES = findResource('', 'v1', 'nodes')!;
/** How often volumes of running pods are refreshed (kubelet's sync period is a minute; skiff is quicker). */
const VOLUME_REFRESH_MS = 10_000;
const GC_INTERVAL_MS = 60_000;

/** Everything a real node agent needs to join a cluster. */
export interface NodeAgentOptions {
  dataDir: string;
  /** API server URL, its CA (PEM) and the join token. */
  server: string;
  ca: string;
  token: string;
  nodeName?: string;
  nodeIP?: string;
  kubeletPort?: number;
  /** Host bridge of the pod network (default skiff0). */
  cniBridge?: string;
  /** An existing CRI socket instead of starting containerd (unix:///path or /path). */
  containerRuntimeEndpoint?: string;
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: string }[];
  clusterDNS?: string;
  clusterDomain?: string;
  log: (msg: string, extra?: Record<string, unknown>) => void;
}

/** A running node agent. */
export interface RunningNodeAgent {
  nodeName: string;
  kubelet: Kubelet;
  cri: CriClient;
  /** Node and pod resource usage (kubelet's /stats/summary). */
  stats: StatsProvider;
  /** Stops the kubelet loops and containerd; pods keep running (their shims outlive containerd). */
  stop(): Promise<void>;
}

/** The node's address: the first non-internal IPv4 of a host interface that is not a pod bridge or veth. */
export function detectNodeIP(): string {
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (/^(skiff|cni|veth|docker|flannel)/.test(name)) continue;
    const v4 = addrs?.find((a) => a.family === 'IPv4' && !a.internal);
    if (v4) return v4.address;
  }
  return '127.0.0.1';
}

/**
 * Starts a real node: containerd (or the given CRI endpoint) with skiff's config, the offline
 * images imported (built into DIR/agent/images on first start, k3s's air-gap folder), node
 * registration with Lease heartbeats, the CNI config once the node has a pod CIDR, and the
 * kubelet running this node's pods over CRI.
 */
export async function startNodeAgent(opts: NodeAgentOptions): Promise<RunningNodeAgent> {
  const missing = checkHost().filter((c) => !c.ok);
  if (missing.length) throw new Error(`this host cannot run a node (or pass --disable-agent): ${missing.map((c) => `${c.name}: ${c.fix}`).join('; ')}`);
  const agentDir = join(opts.dataDir, 'agent');
  mkdirSync(agentDir, { recursive: true, mode: 0o700 });
  const imagesDir = join(agentDir, 'images');
  if (!existsSync(join(imagesDir, 'pause.tar'))) buildOfflineImages(imagesDir);

  let containerd: RunningContainerd | undefined;
  let socket = opts.containerRuntimeEndpoint?.replace(/^unix:\/\//, '');
  if (!socket) {
    containerd = await startContainerd(agentDir);
    socket = containerd.socket;
  }
  try {
    return await runKubelet(opts, agentDir, socket, containerd);
  } catch (err) {
    // A node that fails to come up leaves no containerd of its own behind.
    await containerd?.stop();
    throw err;
  }
}

/** Everything after the runtime is up: images, registration, the kubelet and its HTTPS API. */
async function runKubelet(opts: NodeAgentOptions, agentDir: string, socket: string, containerd: RunningContainerd | undefined): Promise<RunningNodeAgent> {
  const imagesDir = join(agentDir, 'images');
  const paths = containerdPaths(agentDir);
  await importImageTarballs(socket, imagesDir, join(paths.dir, 'imported-images.json'));
  const cri = new CriClient(socket);
  const version = await cri.version();

  const nodeName = (opts.nodeName ?? hostname()).toLowerCase();
  const nodeIP = opts.nodeIP ?? detectNodeIP();
  const kubeletPort = opts.kubeletPort ?? 10250;
  const client = new RestClient({ server: opts.server, token: opts.token.trim(), ca: opts.ca, userAgent: `skiff-kubelet/0.1.0 (${nodeName})` });
  const machine = readMachineInfo(agentDir);
  const bridge = opts.cniBridge ?? CNI_BRIDGE;

  const heartbeat = new NodeHeartbeat({
    client,
    nodeName,
    nodeIP,
    kubeletPort,
    machine,
    labels: opts.labels,
    taints: opts.taints,
    runtimeVersion: `${version.runtimeName}://${version.runtimeVersion.replace(/^v/, '')}`,
    health: async () => {
      const conditions = await cri.status();
      const runtime = conditions.find((c) => c.type === 'RuntimeReady');
      const network = conditions.find((c) => c.type === 'NetworkReady');
      return { runtimeReady: !!runtime?.status, networkReady: !!network?.status, message: (network?.status ? runtime?.message : network?.message) || undefined };
    },
    images: () => cri.listImages(),
    log: opts.log,
  });

  // The pod CIDR comes from the node IPAM controller after registration: watch our Node for it.
  let podCIDR = '';
  const nodeInformer = new SharedInformer(client, NODES, { fieldSelector: `metadata.name=${nodeName}`, transform: stripManagedFields, log: opts.log });
  const onNode = (node: KubeObject): void => {
    const cidr = (node.spec as { podCIDR?: string } | undefined)?.podCIDR;
    if (!cidr || cidr === podCIDR) return;
    podCIDR = cidr;
    writeCniConfig(paths.cniConfDir, cidr, join(agentDir, 'cni', 'networks'), bridge);
    try {
      ensurePodMasquerade(cidr);
    } catch (err) {
      opts.log('pods cannot reach outside the node', { err: (err as Error).message });
    }
    opts.log('pod CIDR set, CNI configured', { podCIDR: cidr, bridge });
    // containerd picks the conf up within a second; report NetworkReady soon after.
    setTimeout(() => void heartbeat.syncStatus(), 1500).unref();
  };
  nodeInformer.addEventHandler({ onAdd: onNode, onUpdate: (_o, n) => onNode(n) });

  const recorder = new ApiEventRecorder(client, { component: 'kubelet', host: nodeName }, opts.log);
  // Volumes live under DIR/agent/pods/<uid>/volumes (kubelet's /var/lib/kubelet/pods layout).
  // No informer here keeps managedFields: nothing on a node reads them.
  const objectInformers = {
    configMaps: new SharedInformer(client, findResource('', 'v1', 'configmaps')!, { transform: stripManagedFields, log: opts.log }),
    secrets: new SharedInformer(client, findResource('', 'v1', 'secrets')!, { transform: stripManagedFields, log: opts.log }),
    services: new SharedInformer(client, findResource('', 'v1', 'services')!, { transform: stripManagedFields, log: opts.log }),
  };
  const objects = cachedObjectSource(apiObjectSource(client), objectInformers);
  const { allocatable } = nodeResources(machine);
  const volumes = new VolumeManager({ podsDir: join(agentDir, 'pods'), source: objects, nodeName, nodeAllocatable: allocatable, clusterDomain: opts.clusterDomain ?? 'cluster.local' });
  const runtime = new CriPodRuntime({
    cri,
    resources: volumePodResources({ volumes, source: objects, hostIPs: [nodeIP], nodeAllocatable: allocatable, onEvent: (pod, type, reason, message) => recorder.event(pod, type, reason, message) }),
    logRoot: join(agentDir, 'pod-logs'),
    nodeIP,
    memoryCapacity: machine.memoryBytes,
    dns: { servers: [opts.clusterDNS ?? '10.43.0.10'], domain: opts.clusterDomain ?? 'cluster.local', host: readHostResolvConf() },
  });
  const kubelet = new Kubelet({
    client,
    nodeName,
    nodeIP,
    runtime,
    nodeUid: () => nodeInformer.indexer.getByKey(nodeName)?.metadata.uid,
    // Pull secrets are read when a pull needs them (kubelet's Get secret-manager strategy): pulls are
    // rare, and a node should not cache every Secret of the cluster. Unreadable ones are reported.
    pullCredentials: (pod, image) => podPullCredentials(pod, image, async (namespace, name) => {
      try {
        return (await objects.getSecret(namespace, name)) as PullSecret | undefined;
      } catch (err) {
        opts.log('unable to retrieve pull secret, the image pull may not succeed', { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, secret: `${namespace}/${name}`, err: (err as Error).message });
        return undefined;
      }
    }),
    recorder,
    runtimePodUids: async () => {
      const sandboxes = await cri.listPodSandbox();
      const inRuntime = sandboxes.map((s) => ({
        uid: s.labels[LABEL_POD_UID] ?? s.metadata.uid,
        remove: async () => {
          await cri.stopPodSandbox(s.id);
          await cri.removePodSandbox(s.id);
        },
      }));
      // Volume dirs of pods deleted while the agent was down (kubelet's orphaned pod cleanup).
      const onDisk = volumes.podUidsOnDisk().map((uid) => ({ uid, remove: () => volumes.tearDownPod(uid) }));
      return [...inRuntime, ...onDisk];
    },
    onPodTerminated: async (pod) => {
      rmSync(join(agentDir, 'pod-logs', `${pod.metadata.namespace}_${pod.metadata.name}_${pod.metadata.uid}`), { recursive: true, force: true });
      await volumes.tearDownPod(pod.metadata.uid ?? '');
    },
    log: opts.log,
  });

  const stats = new StatsProvider({ nodeName, runtime: criStatsRuntime(cri), rootDir: agentDir, podsDir: join(agentDir, 'pods'), runtimePid: containerd?.pid });
  stats.start();

  await heartbeat.start();
  nodeInformer.start();
  for (const informer of Object.values(objectInformers)) informer.start();
  await nodeInformer.waitForSync();
  await Promise.all(Object.values(objectInformers).map((i) => i.waitForSync()));
  // Static pods (k3s: agent/pod-manifests) are known before the first sync, so orphan cleanup spares them.
  const manifestsDir = join(agentDir, 'pod-manifests');
  mkdirSync(manifestsDir, { recursive: true });
  const reportedErrors = new Set<string>();
  const readManifests = (): void => {
    const { pods, errors } = readStaticPods(manifestsDir, nodeName);
    for (const e of errors) {
      if (!reportedErrors.has(e.message)) opts.log('invalid static pod manifest', { file: e.file, err: e.message });
      reportedErrors.add(e.message);
    }
    kubelet.setStaticPods(pods);
  };
  readManifests();
  const manifestTimer = setInterval(readManifests, 5000);
  await kubelet.start();
  // kubelet remounts API-data volumes on its periodic pod sync: ConfigMap and Secret updates land in
  // place, projected service account tokens renew at 80% of their lifetime.
  // The kubelet's HTTPS API (logs, exec, attach, port-forward, stats), callable only by the API server.
  const serving = await obtainServingCert({ server: opts.server, token: opts.token.trim(), ca: opts.ca }, nodeName, [...new Set([nodeIP, '127.0.0.1'])]);
  const kubeletServer = new KubeletServer({
    ...serving,
    caCert: opts.ca,
    deps: kubeletServerDeps((ns, name) => kubelet.getPod(ns, name), cri),
    statsHandler: statsHandler(stats),
    log: opts.log,
  });
  await kubeletServer.start(kubeletPort);
  // kubelet's container GC runs every minute, image GC every five; one loop does both here.
  const gcTimer = setInterval(() => {
    collectGarbage(cri, () => {
      const fs = statfsSync(paths.root);
      return { capacity: fs.blocks * fs.bsize, used: (fs.blocks - fs.bavail) * fs.bsize };
    }).then((r) => {
      if (r.containers.length + r.sandboxes.length + r.images.length) opts.log('garbage collected', { containers: r.containers.length, sandboxes: r.sandboxes.length, images: r.images.length });
    }, (err) => opts.log('garbage collection failed', { err: (err as Error).message }));
  }, GC_INTERVAL_MS);
  // One pod after another, and no new round while one runs: refreshing every pod at once was a
  // burst of token, file and tmpfs work every period that pod starts had to queue behind.
  let refreshing = false;
  const volumeTimer = setInterval(() => {
    if (refreshing) return;
    refreshing = true;
    void (async () => {
      for (const pod of kubelet.pods()) {
        if (pod.metadata.deletionTimestamp || ['Succeeded', 'Failed'].includes((pod.status as { phase?: string } | undefined)?.phase ?? '')) continue;
        await volumes.setUpPod(pod).catch((err) => opts.log('volume refresh failed', { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, err: (err as Error).message }));
      }
    })().finally(() => { refreshing = false; });
  }, VOLUME_REFRESH_MS);

  return {
    nodeName,
    kubelet,
    cri,
    stats,
    stop: async () => {
      stats.stop();
      clearInterval(manifestTimer);
      clearInterval(volumeTimer);
      clearInterval(gcTimer);
      await kubeletServer.stop();
      heartbeat.stop();
      await kubelet.stop();
      await nodeInformer.stop();
      await Promise.all(Object.values(objectInformers).map((i) => i.stop()));
      cri.close();
      client.close();
      await containerd?.stop();
    },
  };
}
