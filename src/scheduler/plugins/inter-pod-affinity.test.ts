import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeNode, makePod, scheduleOnce } from '../testing.ts';

const opts = { profile: { schedulerName: 't', plugins: [{ name: 'InterPodAffinity', weight: 2 }] } };
const zones = [makeNode('a', { labels: { zone: 'z1' } }), makeNode('b', { labels: { zone: 'z1' } }), makeNode('c', { labels: { zone: 'z2' } })];
const term = (labels: Record<string, string>, topologyKey: string) => ({ labelSelector: { matchLabels: labels }, topologyKey });
const withAffinity = (name: string, affinity: object, labels?: Record<string, string>, nodeName?: string) => makePod(name, { labels, nodeName, spec: { containers: [], affinity: affinity as never } });

test('required affinity: only domains holding a matching pod', () => {
  const bound = [makePod('db', { labels: { app: 'db' }, nodeName: 'c' })];
  const pod = withAffinity('web', { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'db' }, 'zone')] } });
  assert.equal(scheduleOnce(zones, bound, pod, opts), 'c');
  const none = withAffinity('web', { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'cache' }, 'zone')] } });
  assert.equal(scheduleOnce(zones, bound, none, opts), "0/3 nodes are available: 3 node(s) didn't match pod affinity rules.");
});

test('required affinity: the first pod of a self-affine group may go anywhere', () => {
  const pod = withAffinity('first', { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'x' }, 'zone')] } }, { app: 'x' });
  assert.equal(scheduleOnce(zones, [], pod, opts).length, 1);
});

test('required anti-affinity: domains with a matching pod are excluded', () => {
  const bound = [makePod('w1', { labels: { app: 'web' }, nodeName: 'a' })];
  const pod = withAffinity('w2', { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' }, 'zone')] } }, { app: 'web' });
  assert.equal(scheduleOnce(zones, bound, pod, opts), 'c');
  const crowded = [...bound, makePod('w3', { labels: { app: 'web' }, nodeName: 'c' })];
  assert.equal(scheduleOnce(zones, crowded, pod, opts), "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules.");
});

test("existing pods' anti-affinity keeps matching pods away", () => {
  const loner = withAffinity('loner', { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' }, 'kubernetes.io/hostname')] } }, {}, 'a');
  const msg = scheduleOnce(zones, [loner], makePod('w', { labels: { app: 'web' } }), { profile: { schedulerName: 't', plugins: [{ name: 'InterPodAffinity' }, { name: 'NodeName' }] } });
  assert.notEqual(msg, 'a');
  const pinned = makePod('w', { labels: { app: 'web' }, spec: { containers: [], nodeName: 'a' } });
  assert.equal(
    scheduleOnce(zones, [loner], pinned, { profile: { schedulerName: 't', plugins: [{ name: 'NodeName' }, { name: 'InterPodAffinity' }] } }),
    "0/3 nodes are available: 1 node(s) didn't satisfy existing pods anti-affinity rules, 2 node(s) didn't match the requested node name.",
  );
});

test('namespaces: terms cover the pod namespace by default, others by name', () => {
  const bound = [makePod('db', { namespace: 'other', labels: { app: 'db' }, nodeName: 'c' })];
  const sameNs = withAffinity('web', { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'db' }, 'zone')] } });
  assert.match(scheduleOnce(zones, bound, sameNs, opts), /3 node\(s\) didn't match pod affinity rules/);
  const named = withAffinity('web', { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ ...term({ app: 'db' }, 'zone'), namespaces: ['other'] }] } });
  assert.equal(scheduleOnce(zones, bound, named, opts), 'c');
});

test('preferred anti-affinity scores away from matching pods', () => {
  const bound = [makePod('w1', { labels: { app: 'web' }, nodeName: 'a' }), makePod('w2', { labels: { app: 'web' }, nodeName: 'b' })];
  const pod = withAffinity('w3', { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term({ app: 'web' }, 'zone') }] } });
  for (let i = 0; i < 5; i++) assert.equal(scheduleOnce(zones, bound, pod, opts), 'c');
});
