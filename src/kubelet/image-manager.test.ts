import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, FakeRuntime } from './fake-runtime.ts';
import { ImageManager, pullPolicy, withDefaultTag } from './image-manager.ts';
import { CrashBackoff } from './pod-worker-backoff.ts';
import type { ContainerSpec, KubeletPod } from './runtime-interface.ts';
import type { PullCredentials } from './pull-secrets.ts';

const pod: KubeletPod = { metadata: { name: 'p', namespace: 'default', uid: 'u1' }, spec: { containers: [] } };

function setup(credentials?: (image: string) => PullCredentials) {
  const clock = new FakeClock();
  const runtime = new FakeRuntime(clock);
  const events: string[] = [];
  const manager = new ImageManager({
    runtime,
    clock,
    backoff: new CrashBackoff(),
    onEvent: (_pod, type, reason, message) => events.push(`${type} ${reason}: ${message}`),
    credentials: credentials ? async (_pod, image) => credentials(image) : undefined,
  });
  const ensure = (container: ContainerSpec) => manager.ensureImageExists(pod, container);
  return { clock, runtime, events, ensure };
}

describe('pull policy defaults', () => {
  test('Always for untagged and :latest images, IfNotPresent for tags and digests; :latest is the default tag', () => {
    assert.equal(pullPolicy({ name: 'c', image: 'busybox' }), 'Always');
    assert.equal(pullPolicy({ name: 'c', image: 'reg:5000/busybox:latest' }), 'Always');
    assert.equal(pullPolicy({ name: 'c', image: 'reg:5000/busybox' }), 'Always');
    assert.equal(pullPolicy({ name: 'c', image: 'busybox:1.36' }), 'IfNotPresent');
    assert.equal(pullPolicy({ name: 'c', image: `busybox@sha256:${'a'.repeat(64)}` }), 'IfNotPresent');
    assert.equal(pullPolicy({ name: 'c', image: 'busybox:1.36', imagePullPolicy: 'Never' }), 'Never');
    assert.equal(withDefaultTag('reg:5000/busybox'), 'reg:5000/busybox:latest');
    assert.equal(withDefaultTag('busybox:1'), 'busybox:1');
  });
});

describe('ImageManager (kubelet EnsureImageExists)', () => {
  test('IfNotPresent with the image present does not pull: "already present on machine"', async () => {
    const h = setup();
    h.runtime.addImage('busybox:1.36');
    const result = await h.ensure({ name: 'c', image: 'busybox:1.36' });
    assert.deepEqual(result, { imageRef: 'docker.io/library/busybox:1.36@sha256:' + '0'.repeat(64) });
    assert.ok(!h.runtime.calls.some((c) => c.startsWith('pullImage')));
    assert.deepEqual(h.events, ['Normal Pulled: Container image "busybox:1.36" already present on machine']);
  });

  test('Always pulls even when present, with Pulling and Successfully pulled events', async () => {
    const h = setup();
    h.runtime.addImage('busybox:latest');
    const pull = h.runtime.pullImage.bind(h.runtime);
    h.runtime.pullImage = async (image, auths) => {
      await h.clock.advance(1234);
      return pull(image, auths);
    };
    const result = h.ensure({ name: 'c', image: 'busybox' });
    await h.clock.advance(2000);
    assert.ok('imageRef' in (await result));
    assert.ok(h.runtime.calls.includes('pullImage busybox:latest'), 'pulled with the default tag');
    assert.deepEqual(h.events, [
      'Normal Pulling: Pulling image "busybox"',
      'Normal Pulled: Successfully pulled image "busybox" in 1.234s (1.234s including waiting). Image size: 1024 bytes.',
    ]);
  });

  test('Never with the image absent fails with ErrImageNeverPull', async () => {
    const h = setup();
    const result = await h.ensure({ name: 'c', image: 'busybox:1', imagePullPolicy: 'Never' });
    assert.deepEqual(result, { reason: 'ErrImageNeverPull', message: 'Container image "busybox:1" is not present with pull policy of Never' });
    assert.deepEqual(h.events, ['Warning ErrImageNeverPull: Container image "busybox:1" is not present with pull policy of Never']);
  });

  test('a failed pull is ErrImagePull, then ImagePullBackOff until the 10s back-off ends', async () => {
    const h = setup();
    h.runtime.failPull('nope:1', 'rpc error: code = NotFound desc = not found');
    assert.deepEqual(await h.ensure({ name: 'c', image: 'nope:1' }), { reason: 'ErrImagePull', message: 'rpc error: code = NotFound desc = not found' });
    assert.ok(h.events.includes('Warning Failed: Failed to pull image "nope:1": rpc error: code = NotFound desc = not found'));
    await h.clock.advance(5000);
    assert.deepEqual(await h.ensure({ name: 'c', image: 'nope:1' }), { reason: 'ImagePullBackOff', message: 'Back-off pulling image "nope:1"' });
    assert.equal(h.events.at(-1), 'Normal BackOff: Back-off pulling image "nope:1"');
    await h.clock.advance(5000);
    assert.equal(((await h.ensure({ name: 'c', image: 'nope:1' })) as { reason: string }).reason, 'ErrImagePull');
    assert.equal(h.runtime.calls.filter((c) => c.startsWith('pullImage')).length, 2);
  });

  test('pulls with the pod secrets\' credentials and warns about the secrets it could not read', async () => {
    const h = setup((image) => ({ auths: image.startsWith('reg.example.com/') ? [{ username: 'alice', password: 'a' }] : [], missing: ['gone'] }));
    await h.ensure({ name: 'c', image: 'reg.example.com/app:1' });
    assert.ok(h.runtime.calls.includes('pullImage reg.example.com/app:1 as alice'));
    assert.equal(h.events[0], 'Warning FailedToRetrieveImagePullSecret: Unable to retrieve some image pull secrets (gone); attempting to pull the image may not succeed.');
  });

  test('a runtime that cannot inspect images gives ImageInspectError', async () => {
    const h = setup();
    h.runtime.imageStatus = async () => { throw new Error('connection refused'); };
    assert.deepEqual(await h.ensure({ name: 'c', image: 'busybox:1' }), { reason: 'ImageInspectError', message: 'Failed to inspect image "busybox:1": connection refused' });
  });
});
