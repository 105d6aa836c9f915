import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../errors.ts';
import type { KubeObject } from '../object.ts';
import { findResource, type ResourceInfo } from '../registry.ts';
import { fieldSelectorSupported, matchesFields, objectFields, parseFieldSelector } from './fields.ts';

function info(group: string, resource: string): ResourceInfo {
  const found = findResource(group, 'v1', resource);
  assert.ok(found);
  return found;
}

function rejection(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof StatusError);
    assert.equal(err.code, 400);
    return err.message;
  }
  assert.fail('expected a BadRequest');
}

const pod: KubeObject = {
  metadata: { name: 'nginx', namespace: 'default' },
  spec: { nodeName: 'node-1', restartPolicy: 'Always', schedulerName: 'default-scheduler', serviceAccountName: 'default' },
  status: { phase: 'Running', podIPs: [{ ip: '10.42.0.5' }] },
};

describe('field selectors', () => {
  test('parse and match =, ==, != on pods', () => {
    const pods = info('', 'pods');
    const fields = objectFields(pods, pod);
    assert.equal(fields['status.podIP'], '10.42.0.5');
    assert.equal(fields['spec.hostNetwork'], 'false');
    assert.equal(matchesFields(parseFieldSelector('spec.nodeName=node-1,status.phase!=Pending', pods), fields), true);
    assert.equal(matchesFields(parseFieldSelector('metadata.name==other', pods), fields), false);
    assert.equal(matchesFields(parseFieldSelector('spec.nodeName=', pods), fields), false);
    // The legacy spec.host label is an alias of spec.nodeName.
    assert.equal(matchesFields(parseFieldSelector('spec.host=node-1', pods), fields), true);
  });

  test('unsupported fields are 400 with the resource-specific wording', () => {
    assert.equal(rejection(() => parseFieldSelector('spec.foo=bar', info('', 'pods'))), 'field label not supported: spec.foo');
    assert.equal(rejection(() => parseFieldSelector('spec.replicas=1', info('apps', 'deployments'))), '"spec.replicas" is not a known field selector: only "metadata.name", "metadata.namespace"');
    assert.equal(rejection(() => parseFieldSelector('status.active=1', info('batch', 'jobs'))), 'field label "status.active" not supported for batchv1.Job');
    assert.equal(rejection(() => parseFieldSelector('metadata.namespace=x', info('', 'nodes'))), 'field label not supported: metadata.namespace');
    assert.equal(rejection(() => parseFieldSelector('nonsense')), "invalid selector: 'nonsense'; can't understand 'nonsense'");
  });

  test('supported field sets and values per kind', () => {
    assert.equal(fieldSelectorSupported(info('', 'secrets'), 'type'), true);
    assert.equal(fieldSelectorSupported(info('', 'configmaps'), 'type'), false);
    assert.equal(fieldSelectorSupported(info('', 'events'), 'involvedObject.uid'), true);
    const node: KubeObject = { metadata: { name: 'n1' }, spec: { unschedulable: true } };
    assert.deepEqual(objectFields(info('', 'nodes'), node), { 'metadata.name': 'n1', 'spec.unschedulable': 'true' });
    const event: KubeObject = { metadata: { name: 'e', namespace: 'd' }, involvedObject: { kind: 'Pod', name: 'nginx' }, reason: 'Started', source: { component: 'kubelet' }, type: 'Normal' };
    const fields = objectFields(info('', 'events'), event);
    assert.equal(matchesFields(parseFieldSelector('involvedObject.kind=Pod,involvedObject.name=nginx,source=kubelet', info('', 'events')), fields), true);
  });

  test('escaped values', () => {
    const sel = parseFieldSelector('metadata.name=a\\,b');
    assert.equal(sel.requirements[0].value, 'a,b');
    assert.match(rejection(() => parseFieldSelector('metadata.name=a\\x')), /^invalid field selector: invalid escape sequence/);
  });
});
