import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_POD_COUNT_INDEXES, PodCountIndexes } from './pod-count-index.ts';
import type { PodMatcher } from './pod-count-index.ts';
import { Snapshot } from './snapshot.ts';
import { makeNode, makePod } from './testing.ts';

const blue: PodMatcher = { key: 'color=blue', matches: (p) => p.labels?.color === 'blue' };

/** name -> count, for comparing with plain objects. */
function byName(counts: ReadonlyMap<{ name: string }, number>): Record<string, number> {
  return Object.fromEntries([...counts].map(([n, c]) => [n.name, c]));
}

describe('pod count index', () => {
  test('counts match a fresh walk after adds, assumes, updates and removes', () => {
    const s = new Snapshot();
    for (const n of ['n1', 'n2', 'n3']) s.setNode(makeNode(n));
    s.setPod(makePod('a', { nodeName: 'n1', labels: { color: 'blue' } }));
    s.setPod(makePod('b', { nodeName: 'n1', labels: { color: 'red' } }));
    const counts = s.matchingPodsPerNode(blue);
    assert.deepEqual(byName(counts), { n1: 1 });
    // Kept up to date from now on: the same map answers.
    s.setPod(makePod('c', { nodeName: 'n2', labels: { color: 'blue' } }));
    s.assumePod(makePod('d', { labels: { color: 'blue' } }), 'n2');
    s.setPod(makePod('b', { nodeName: 'n1', labels: { color: 'blue' } })); // relabelled
    assert.deepEqual(byName(counts), { n1: 2, n2: 2 });
    s.removePod(makePod('a'));
    s.forgetPod(makePod('d'));
    s.setPod({ ...makePod('c', { nodeName: 'n2', labels: { color: 'blue' } }), status: { phase: 'Succeeded' } });
    assert.deepEqual(byName(counts), { n1: 1 });
    const fresh = new Snapshot();
    for (const n of ['n1', 'n2', 'n3']) fresh.setNode(makeNode(n));
    fresh.setPod(makePod('b', { nodeName: 'n1', labels: { color: 'blue' } }));
    assert.deepEqual(byName(fresh.matchingPodsPerNode(blue)), byName(s.matchingPodsPerNode(blue)));
  });

  test('a namespace label change drops the indexes, so selectors on namespaces are re-evaluated', () => {
    const s = new Snapshot();
    s.setNamespace({ metadata: { name: 'default', labels: { team: 'a' } } });
    s.setNode(makeNode('n1'));
    s.setPod(makePod('a', { nodeName: 'n1' }));
    const teamA: PodMatcher = { key: 'ns team=a', matches: (p) => s.namespaceLabelsOf(p.namespace)?.team === 'a' };
    assert.deepEqual(byName(s.matchingPodsPerNode(teamA)), { n1: 1 });
    s.setNamespace({ metadata: { name: 'default', labels: { team: 'b' } } });
    assert.deepEqual(byName(s.matchingPodsPerNode(teamA)), {});
  });

  test('existing pods terms are grouped by term with per-node holders', () => {
    const s = new Snapshot();
    s.setNode(makeNode('n1'));
    s.setNode(makeNode('n2'));
    const anti = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'x' } } }] } };
    s.setPod(makePod('a', { nodeName: 'n1', spec: { affinity: anti } }));
    s.setPod(makePod('b', { nodeName: 'n1', spec: { affinity: anti } }));
    s.setPod(makePod('c', { nodeName: 'n2', spec: { affinity: anti } }));
    const terms = [...s.existingPodTerms()];
    assert.equal(terms.length, 1);
    assert.equal(terms[0].kind, 'requiredAntiAffinity');
    assert.deepEqual(byName(terms[0].counts), { n1: 2, n2: 1 });
    for (const name of ['a', 'b', 'c']) s.removePod(makePod(name));
    assert.equal([...s.existingPodTerms()].length, 0);
  });

  test('holds at most the configured number of indexes, dropping the least recently used', () => {
    const idx = new PodCountIndexes(2);
    const built: string[] = [];
    const get = (key: string): void => void idx.counts({ key, matches: () => true }, () => (built.push(key), []));
    get('a');
    get('b');
    get('a'); // a is now the most recently used
    get('c'); // drops b
    get('a');
    get('b');
    assert.deepEqual(built, ['a', 'b', 'c', 'b']);
    assert.equal(idx.size, 2);
    assert.ok(MAX_POD_COUNT_INDEXES >= 16);
  });
});
