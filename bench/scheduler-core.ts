/**
 * Micro benchmark of the scheduler core (schedule-one with the default plugins, in process, no API):
 * the SchedulingBasic shape of scheduler_perf (pods with small requests) on 5,000 and 1,000 nodes,
 * and a required pod anti-affinity case. Prints pods/s. Run: node --import tsx bench/scheduler-core.ts
 */
import { makeNode, makePod, makeScheduler } from '../src/scheduler/testing.ts';
import type { Pod } from '../src/scheduler/types.ts';

interface Case {
  name: string;
  nodes: number;
  pods: number;
  pod: (i: number) => Pod;
}

function run(c: Case): void {
  const nodes = Array.from({ length: c.nodes }, (_, i) => makeNode(`node-${i}`, { cpu: '32', memory: '256Gi', labels: { 'topology.kubernetes.io/zone': `zone-${i % 3}` } }));
  const { algorithm } = makeScheduler(nodes);
  const pods = Array.from({ length: c.pods }, (_, i) => c.pod(i));
  const start = process.hrtime.bigint();
  let scheduled = 0;
  for (const pod of pods) {
    const out = algorithm.scheduleOne(pod);
    if (out.kind === 'scheduled') {
      scheduled++;
      // The binding cycle's effect on the cache, without the API round trip.
      algorithm.snapshot.finishBinding(pod);
    }
  }
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

const cases: Case[] = [
  { name: 'SchedulingBasic 5000 nodes / 10000 pods', nodes: 5000, pods: 10000, pod: basic },
  { name: 'SchedulingBasic 1000 nodes / 10000 pods', nodes: 1000, pods: 10000, pod: basic },
  { name: 'SchedulingPodAntiAffinity 5000 nodes / 1000 pods', nodes: 5000, pods: 1000, pod: antiAffinity },
];
const only = process.argv[2];
for (const c of cases) if (!only || c.name.includes(only)) run(c);
