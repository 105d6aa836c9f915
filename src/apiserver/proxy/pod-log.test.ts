import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../api/errors.ts';
import { kubeletLogQuery } from './pod-log.ts';
import { resolveContainer, type PodLike } from './kubelet-location.ts';
import { portForwardPath } from './port-forward.ts';
import { nodeProxyPath } from './node-proxy.ts';

const q = (s: string): URLSearchParams => new URLSearchParams(s);
const status = (fn: () => unknown): { code: number; message: string } => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof StatusError);
    return { code: err.code, message: err.message };
  }
  assert.fail('no error');
};

test('PodLogOptions travel to the kubelet normalised', () => {
  assert.equal(kubeletLogQuery(q('follow=true&tailLines=10&timestamps=1&previous=false&container=app'), 'p').toString(), 'follow=true&timestamps=true&tailLines=10');
  assert.equal(kubeletLogQuery(q('sinceTime=2024-01-02T03:04:05Z&limitBytes=5'), 'p').toString(), 'limitBytes=5&sinceTime=2024-01-02T03%3A04%3A05Z');
});

test('invalid PodLogOptions answer 422 Invalid, unparsable ones 400', () => {
  assert.deepEqual(status(() => kubeletLogQuery(q('tailLines=-1'), 'web')), { code: 422, message: 'PodLogOptions "web" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0' });
  assert.equal(status(() => kubeletLogQuery(q('sinceSeconds=0'), 'web')).message, 'PodLogOptions "web" is invalid: sinceSeconds: Invalid value: 0: must be greater than 0');
  assert.equal(status(() => kubeletLogQuery(q('limitBytes=0'), 'web')).code, 422);
  assert.match(status(() => kubeletLogQuery(q('sinceSeconds=5&sinceTime=2024-01-02T03:04:05Z'), 'web')).message, /at most one of `sinceTime` or `sinceSeconds` may be specified/);
  assert.equal(status(() => kubeletLogQuery(q('tailLines=ten'), 'web')).code, 400);
  assert.equal(status(() => kubeletLogQuery(q('follow=maybe'), 'web')).code, 400);
});

test('the container is resolved as Kubernetes validateContainer does', () => {
  const pod: PodLike = { metadata: { name: 'web' }, spec: { containers: [{ name: 'a' }, { name: 'b' }], initContainers: [{ name: 'init' }] } };
  assert.equal(resolveContainer(pod, 'b'), 'b');
  assert.equal(resolveContainer(pod, 'init'), 'init');
  assert.deepEqual(status(() => resolveContainer(pod, null)), { code: 400, message: 'a container name must be specified for pod web, choose one of: [a b init]' });
  assert.deepEqual(status(() => resolveContainer(pod, 'c')), { code: 400, message: 'container c is not valid for pod web' });
  assert.equal(resolveContainer({ metadata: { name: 'one' }, spec: { containers: [{ name: 'only' }] } }, null), 'only');
});

test('port-forward ports become kubelet port parameters; bad ports answer 400', () => {
  assert.equal(portForwardPath('default', 'web', q('ports=80,8080')), '/portForward/default/web?port=80&port=8080');
  assert.equal(portForwardPath('default', 'web', q('')), '/portForward/default/web');
  assert.equal(status(() => portForwardPath('default', 'web', q('ports=0'))).code, 400);
});

test('nodes/proxy forwards the path after /proxy with its query', () => {
  assert.equal(nodeProxyPath('/api/v1/nodes/n1/proxy/stats/summary?only_cpu_and_memory=true', 'n1'), '/stats/summary?only_cpu_and_memory=true');
  assert.equal(nodeProxyPath('/api/v1/nodes/n1/proxy', 'n1'), '/');
  assert.equal(nodeProxyPath('/api/v1/nodes/n1/proxy/', 'n1'), '/');
});
