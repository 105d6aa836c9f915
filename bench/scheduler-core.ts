/**
 * Micro benchmark of the scheduler core (schedule-one with the default plugins, in process, no API):
 * the SchedulingBasic shape of scheduler_perf (pods with small requests) on 5,000 and 1,000 nodes,
 * and the pod anti-affinity, pod affinity and topology spreading shapes (with their init pods bound
 * first, untimed). Prints pods/s. Run: node --import tsx bench/scheduler-core.ts [name-substring]
 */
import { makeNode, makePod, makeScheduler } from '../src/scheduler/testing.ts';
import type { Pod } from '../src/scheduler/types.ts';

interface Case {
  name: string;
  nodes: number;
  pods: number;
  pod: (i: number) => Pod;
  /** Pods scheduled before the timed ones (scheduler_perf's init pods). */
  initPods?: number;
  initPod?: (i: number) => Pod;
  /** Zone label values, round robin over the nodes (default zone-0..2). */
  zones?: string[];
}

function run(c: Case): void {
  const zones = c.zones ?? ['zone-0', 'zone-1', 'zone-2'];
  const nodes = Array.from({ length: c.nodes }, (_, i) => makeNode(`node-${i}`, { cpu: '32', memory: '256Gi', labels: { 'topology.kubernetes.io/zone': zones[i % zones.length] } }));
  const { algorithm } = makeScheduler(nodes);
  const scheduleAll = (pods: Pod[]): number => {
    let scheduled = 0;
    for (const pod of pods) {
      const out = algorithm.scheduleOne(pod);
      if (out.kind === 'scheduled') {
        scheduled++;
        // The binding cycle's effect on the cache, without the API round trip.
        algorithm.snapshot.finishBinding(pod);
      }
    }
    return scheduled;
  };
  if (c.initPods && c.initPod) scheduleAll(Array.from({ length: c.initPods }, (_, i) => c.initPod!(i)));
  const pods = Array.from({ length: c.pods }, (_, i) => c.pod(i));
  const start = process.hrtime.bigint();
  const scheduled = scheduleAll(pods);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`${c.name.padEnd(44)} ${String(scheduled).padStart(6)}/${c.pods} scheduled  ${(c.pods / seconds).toFixed(0).padStart(7)} pods/s  (${(seconds * 1000).toFixed(0)} ms)`);
}

const basic = (i: number): Pod => makePod(`pod-${i}`, { cpu: '100m', memory: '200Mi' });
const antiAffinity = (i: number): Pod =>
  makePod(`anti-${i}`, {
    cpu: '100m',
    memory: '200Mi',
    labels: { color: 'green' },
    spec: {
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { color: 'green' } }, topologyKey: 'kubernetes.io/hostname' }],
        },
      },
    },
  });

const affinity = (prefix: string) => (i: number): Pod =>
  makePod(`${prefix}-${i}`, {
    cpu: '100m',
    memory: '200Mi',
    labels: { color: 'blue' },
    spec: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { color: 'blue' } }, topologyKey: 'topology.kubernetes.io/zone' }] } } },
  });
const spreading = (i: number): Pod =>
  makePod(`spread-${i}`, {
    cpu: '100m',
    memory: '200Mi',
    labels: { color: 'blue' },
    spec: { topologySpreadConstraints: [{ maxSkew: 5, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { color: 'blue' } } }] },
  });

const cases: Case[] = [
  { name: 'SchedulingBasic 5000 nodes / 10000 pods', nodes: 5000, pods: 10000, pod: basic },
  { name: 'SchedulingBasic 1000 nodes / 10000 pods', nodes: 1000, pods: 10000, pod: basic },
  { name: 'SchedulingPodAntiAffinity 5000 nodes / 1000 pods', nodes: 5000, pods: 1000, pod: antiAffinity },
  { name: 'SchedulingPodAffinity 5000 nodes / 5000 pods', nodes: 5000, pods: 5000, pod: affinity('pod'), initPods: 5000, initPod: affinity('init'), zones: ['zone1'] },
  { name: 'TopologySpreading 5000 nodes / 5000 pods', nodes: 5000, pods: 5000, pod: spreading, initPods: 5000, initPod: basic, zones: ['moon-1', 'moon-2', 'moon-3'] },
];
const only = process.argv[2];
for (const c of cases) if (!only || c.name.includes(only)) run(c);
