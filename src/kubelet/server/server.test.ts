import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerLogOptions } from './container-logs.ts';
import { KubeletRequestError } from './deps.ts';
import { parseKubeletPath } from './server.ts';

test('kubelet paths route like the kubelet server', () => {
  assert.deepEqual(parseKubeletPath('/containerLogs/default/web/app'), { kind: 'containerLogs', namespace: 'default', pod: 'web', container: 'app' });
  assert.deepEqual(parseKubeletPath('/exec/default/web/app'), { kind: 'exec', namespace: 'default', pod: 'web', container: 'app' });
  assert.deepEqual(parseKubeletPath('/attach/default/web/uid-1/app'), { kind: 'attach', namespace: 'default', pod: 'web', container: 'app' });
  assert.deepEqual(parseKubeletPath('/portForward/default/web'), { kind: 'portForward', namespace: 'default', pod: 'web' });
  assert.deepEqual(parseKubeletPath('/healthz'), { kind: 'healthz' });
  assert.deepEqual(parseKubeletPath('/stats/summary'), { kind: 'stats' });
  assert.deepEqual(parseKubeletPath('/metrics/resource'), { kind: 'stats' });
  assert.equal(parseKubeletPath('/containerLogs/default/web'), undefined);
  assert.equal(parseKubeletPath('/exec/default'), undefined);
  assert.equal(parseKubeletPath('/pods'), undefined);
  assert.equal(parseKubeletPath('/exec/%E0%A4%A/web/app'), undefined);
});

test('containerLogs query parameters become log options; bad values answer 400', () => {
  const now = Date.parse('2024-01-01T00:01:00Z');
  const opts = containerLogOptions(new URLSearchParams('follow=true&tailLines=5&timestamps=1&limitBytes=10&sinceSeconds=60'), now);
  assert.deepEqual(opts, { follow: true, previous: false, timestamps: true, tailLines: 5, limitBytes: 10, sinceNanos: BigInt(Date.parse('2024-01-01T00:00:00Z')) * 1_000_000n });
  assert.equal(containerLogOptions(new URLSearchParams('sinceTime=2024-01-01T00:00:00.5Z&previous=true')).sinceNanos, 1704067200500000000n);
  for (const bad of ['tailLines=-1', 'limitBytes=0', 'sinceSeconds=0', 'tailLines=x', 'sinceTime=yesterday', 'sinceSeconds=1&sinceTime=2024-01-01T00:00:00Z']) {
    assert.throws(() => containerLogOptions(new URLSearchParams(bad)), (err: unknown) => err instanceof KubeletRequestError && err.code === 400, bad);
  }
});
