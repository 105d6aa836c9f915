import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeNode, makePod, scheduleOnce } from '../testing.ts';

const opts = { profile: { schedulerName: 't', plugins: [{ name: 'PodTopologySpread', weight: 2 }] } };
const zones = [makeNode('a', { labels: { zone: 'z1' } }), makeNode('b', { labels: { zone: 'z2' } }), makeNode('nolabel')];
const spread = (when: string, extra: object = {}) =>
  makePod('p', { labels: { app: 'web' }, spec: { containers: [], topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: when, labelSelector: { matchLabels: { app: 'web' } }, ...extra }] } });
const web = (name: string, node: string) => makePod(name, { labels: { app: 'web' }, nodeName: node });

test('DoNotSchedule: skew against the global minimum; nodes without the key are unresolvable', () => {
  const msg = scheduleOnce(zones, [web('w1', 'a')], spread('DoNotSchedule'), opts);
  assert.equal(msg, 'b');
  const crowded = scheduleOnce(zones, [web('w1', 'a'), web('w2', 'a')], spread('DoNotSchedule', { maxSkew: 1 }), { profile: { schedulerName: 't', plugins: [{ name: 'PodTopologySpread' }, { name: 'NodeName' }] } });
  assert.equal(crowded, 'b');
  const pinned = makePod('p', { labels: { app: 'web' }, spec: { containers: [], nodeName: 'a', topologySpreadConstraints: spread('DoNotSchedule').spec!.topologySpreadConstraints } });
  assert.equal(
    scheduleOnce(zones, [web('w1', 'a')], pinned, { profile: { schedulerName: 't', plugins: [{ name: 'NodeName' }, { name: 'PodTopologySpread' }] } }),
    "0/3 nodes are available: 1 node(s) didn't match pod topology spread constraints, 2 node(s) didn't match the requested node name.",
  );
  assert.equal(
    scheduleOnce([makeNode('nolabel')], [], spread('DoNotSchedule'), opts),
    "0/1 nodes are available: 1 node(s) didn't match pod topology spread constraints (missing required label).",
  );
});

test('minDomains: fewer domains than minDomains makes the minimum 0', () => {
  const two = [makeNode('a', { labels: { zone: 'z1' } }), makeNode('b', { labels: { zone: 'z2' } })];
  const bound = [web('w1', 'a'), web('w2', 'b')];
  // Both zones hold one pod: skew would be 1 with minimum 1, but minDomains 3 forces minimum 0 -> skew 2.
  assert.equal(scheduleOnce(two, bound, spread('DoNotSchedule', { minDomains: 3 }), opts), "0/2 nodes are available: 2 node(s) didn't match pod topology spread constraints.");
  assert.equal(scheduleOnce(two, bound, spread('DoNotSchedule'), opts).length, 1);
});

test('ScheduleAnyway scores the emptier domain higher', () => {
  const two = [makeNode('a', { labels: { zone: 'z1' } }), makeNode('b', { labels: { zone: 'z2' } })];
  for (let i = 0; i < 5; i++) assert.equal(scheduleOnce(two, [web('w1', 'a'), web('w2', 'a')], spread('ScheduleAnyway'), opts), 'b');
});

test('system default constraints spread pods of a Service across hostnames', () => {
  const two = [makeNode('a'), makeNode('b')];
  const workloads = { services: () => [{ spec: { selector: { app: 'web' } } }], controller: () => undefined };
  const o = { ...opts, handle: { workloads } };
  const bound = [web('w1', 'a'), web('w2', 'a'), web('w3', 'a')];
  for (let i = 0; i < 5; i++) assert.equal(scheduleOnce(two, bound, makePod('p', { labels: { app: 'web' } }), o), 'b');
});
