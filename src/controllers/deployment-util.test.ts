import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  computeHash, DESIRED_REPLICAS_ANNOTATION, equalIgnoreHash, MAX_REPLICAS_ANNOTATION, maxSurge, maxUnavailable, newRSNewReplicas,
  resolveFenceposts, REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION, scaledValue, setNewReplicaSetAnnotations,
} from './deployment-util.ts';
import { deployment, replicaSet, template } from './workload-fixtures.ts';

describe('maxSurge / maxUnavailable arithmetic', () => {
  test('percentages: surge rounds up, unavailable rounds down', () => {
    assert.equal(scaledValue('25%', 10, true), 3);
    assert.equal(scaledValue('25%', 10, false), 2);
    assert.equal(scaledValue('30%', 1, true), 1);
    assert.equal(scaledValue('30%', 1, false), 0);
    assert.equal(scaledValue(2, 10, true), 2);
  });

  test('both zero makes maxUnavailable 1 (ResolveFenceposts)', () => {
    const d = deployment('web', 1);
    d.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: '0%', maxUnavailable: '25%' } };
    assert.deepEqual(resolveFenceposts(d, 1), { surge: 0, unavailable: 1 });
  });

  test('maxUnavailable is capped at replicas and both are 0 for Recreate', () => {
    const d = deployment('web', 2);
    d.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 5 } };
    assert.equal(maxUnavailable(d), 2);
    d.spec.strategy = { type: 'Recreate' };
    assert.equal(maxSurge(d), 0);
    assert.equal(maxUnavailable(d), 0);
  });

  test('new ReplicaSet grows by what maxSurge leaves', () => {
    const d = deployment('web', 10); // surge 3
    const old = replicaSet('old', 10);
    const fresh = replicaSet('new', 0);
    assert.equal(newRSNewReplicas(d, [old, fresh], fresh), 3);
    fresh.spec.replicas = 3;
    assert.equal(newRSNewReplicas(d, [old, fresh], fresh), 3);
    old.spec.replicas = 8;
    assert.equal(newRSNewReplicas(d, [old, fresh], fresh), 5);
  });
});

describe('pod-template hash', () => {
  test('stable, in the safe alphabet, sensitive to the template and collisionCount', () => {
    const h = computeHash(template('web'));
    assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    assert.equal(h, computeHash(template('web')));
    assert.notEqual(h, computeHash(template('web', 'nginx:2')));
    assert.notEqual(h, computeHash(template('web'), 1));
  });

  test('equalIgnoreHash ignores only the pod-template-hash label', () => {
    const a = template('web');
    const b = template('web');
    b.metadata!.labels!['pod-template-hash'] = 'abc';
    assert.ok(equalIgnoreHash(a, b));
    b.metadata!.labels!.extra = 'x';
    assert.ok(!equalIgnoreHash(a, b));
  });
});

describe('ReplicaSet annotations', () => {
  test('a new ReplicaSet gets the revision, copied annotations and replica annotations', () => {
    const d = deployment('web', 4);
    d.metadata.annotations = { 'kubernetes.io/change-cause': 'v2', [REVISION_ANNOTATION]: '1', 'kubectl.kubernetes.io/last-applied-configuration': '{}' };
    const rs = replicaSet('web-x', 0);
    assert.ok(setNewReplicaSetAnnotations(d, rs, 2, false));
    assert.deepEqual(rs.metadata.annotations, { 'kubernetes.io/change-cause': 'v2', [REVISION_ANNOTATION]: '2', [DESIRED_REPLICAS_ANNOTATION]: '4', [MAX_REPLICAS_ANNOTATION]: '5' });
  });

  test('rolling back to an old ReplicaSet raises its revision and keeps the old one in revision-history', () => {
    const d = deployment('web', 1);
    const rs = replicaSet('web-x', 0, 'web', { annotations: { [REVISION_ANNOTATION]: '1' } });
    assert.ok(setNewReplicaSetAnnotations(d, rs, 3, true));
    assert.equal(rs.metadata.annotations![REVISION_ANNOTATION], '3');
    assert.equal(rs.metadata.annotations![REVISION_HISTORY_ANNOTATION], '1');
    assert.ok(setNewReplicaSetAnnotations(d, rs, 5, true));
    assert.equal(rs.metadata.annotations![REVISION_HISTORY_ANNOTATION], '1,3');
    // Never lowered.
    assert.ok(!setNewReplicaSetAnnotations(d, rs, 4, true));
    assert.equal(rs.metadata.annotations![REVISION_ANNOTATION], '5');
  });
});
