import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyExistsError, KeyNotFoundError, RevisionMismatchError, type WatchEvent } from '../interface.ts';
import type { ChannelListener, WriterChannel } from './writer-channel.ts';
import { WriterClient } from './writer-client.ts';
import type { WriteOp, WriteResult, WriterRequest } from './writer-protocol.ts';

/** A writer the test answers by hand, to pin down batching and ordering. */
class FakeChannel implements WriterChannel {
  readonly sent: WriterRequest[] = [];
  listener!: ChannelListener;
  busy = false;
  terminated = false;
  send(req: WriterRequest): void {
    this.sent.push(req);
  }
  setBusy(busy: boolean): void {
    this.busy = busy;
  }
  async terminate(): Promise<void> {
    this.terminated = true;
  }
  batches(): Extract<WriterRequest, { type: 'batch' }>[] {
    return this.sent.filter((r) => r.type === 'batch');
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
const ok = (revision: number): WriteResult => ({ ok: true, revision, createRevision: revision });

function setup() {
  const channel = new FakeChannel();
  const published: { revision: number; events: WatchEvent[] }[] = [];
  const client = new WriterClient(
    (listener) => {
      channel.listener = listener;
      return channel;
    },
    (revision, events) => published.push({ revision, events }),
  );
  return { channel, client, published };
}

const create = (key: string): WriteOp => ({ op: 'create', key, value: key });

test('writes of one tick form one batch; later ones wait while it is in flight, then go as one', async () => {
  const { channel, client } = setup();
  const first = [client.submit(create('/a')), client.submit(create('/b'))];
  await tick();
  assert.equal(channel.batches().length, 1);
  assert.deepEqual(channel.batches()[0]!.ops.map((o) => o.key), ['/a', '/b']);
  assert.equal(channel.busy, true, 'keeps the process alive while a batch is in flight');

  const second = [client.submit(create('/c')), client.submit(create('/d'))];
  await tick();
  await tick();
  const third = client.submit(create('/e'));
  await tick();
  assert.equal(channel.batches().length, 1, 'at most one batch in flight');

  channel.listener.reply({ type: 'batch', id: channel.batches()[0]!.id, ok: true, revision: 2, results: [ok(1), ok(2)] });
  assert.deepEqual(await Promise.all(first), [{ revision: 1 }, { revision: 2 }]);
  await tick();
  assert.equal(channel.batches().length, 2);
  assert.deepEqual(channel.batches()[1]!.ops.map((o) => o.key), ['/c', '/d', '/e'], 'everything queued meanwhile');
  channel.listener.reply({ type: 'batch', id: channel.batches()[1]!.id, ok: true, revision: 5, results: [ok(3), ok(4), ok(5)] });
  assert.deepEqual((await Promise.all([...second, third])).map((o) => o.revision), [3, 4, 5]);
  assert.equal(client.batches, 2);
  assert.equal(channel.busy, false, 'idle again');
});

test('publishes a batch, in order, before any of its writers hears back', async () => {
  const { channel, client, published } = setup();
  const seenAtResolve: number[] = [];
  const prev = { key: '/u', value: 'old', createRevision: 3, modRevision: 4 };
  const writes = [
    client.submit(create('/n')).then(() => seenAtResolve.push(published.length)),
    client.submit({ op: 'update', key: '/u', value: 'new', expectedRevision: 4 }),
    client.submit({ op: 'delete', key: '/d' }),
  ];
  await tick();
  const deleted = { key: '/d', value: 'gone', createRevision: 1, modRevision: 2 };
  channel.listener.reply({
    type: 'batch',
    id: 1,
    ok: true,
    revision: 12,
    results: [ok(10), { ok: true, revision: 11, createRevision: 3, prev }, { ok: true, revision: 12, createRevision: 1, prev: deleted }],
  });
  const [, updated, removed] = await Promise.all(writes);
  assert.deepEqual(seenAtResolve, [1]);
  assert.deepEqual(updated, { revision: 11 });
  assert.deepEqual(removed, { revision: 12, prev: deleted });
  assert.equal(published[0]!.revision, 12);
  assert.deepEqual(published[0]!.events, [
    { type: 'PUT', kv: { key: '/n', value: '/n', createRevision: 10, modRevision: 10 } },
    { type: 'PUT', kv: { key: '/u', value: 'new', createRevision: 3, modRevision: 11 }, prevKv: prev },
    { type: 'DELETE', kv: { key: '/d', value: 'gone', createRevision: 1, modRevision: 12 }, prevKv: deleted },
  ]);
});

test('failed preconditions become the typed errors; a failed batch rejects all of its writes', async () => {
  const { channel, client, published } = setup();
  const actual = { key: '/m', value: 'v', createRevision: 1, modRevision: 7 };
  const writes = Promise.allSettled([
    client.submit(create('/e')),
    client.submit({ op: 'delete', key: '/x' }),
    client.submit({ op: 'update', key: '/m', value: 'w', expectedRevision: 6 }),
  ]);
  await tick();
  channel.listener.reply({
    type: 'batch',
    id: 1,
    ok: true,
    revision: 7,
    results: [{ ok: false, error: 'exists' }, { ok: false, error: 'notFound' }, { ok: false, error: 'mismatch', actual }],
  });
  const [e, n, m] = (await writes).map((r) => (r as PromiseRejectedResult).reason);
  assert.ok(e instanceof KeyExistsError && e.key === '/e');
  assert.ok(n instanceof KeyNotFoundError && n.key === '/x');
  assert.ok(m instanceof RevisionMismatchError && m.actual === actual);
  assert.deepEqual(published[0]!.events, []);

  const aborted = Promise.allSettled([client.submit(create('/p')), client.submit(create('/q'))]);
  await tick();
  channel.listener.reply({ type: 'batch', id: 2, ok: false, error: { name: 'SqliteError', message: 'disk I/O error' } });
  for (const r of await aborted) assert.equal(r.status === 'rejected' && r.reason.message, 'disk I/O error');
  assert.equal(published.length, 1, 'nothing published for a rolled-back batch');
});

test('close drains queued writes before closing the writer; a dead writer fails everything', async () => {
  const { channel, client } = setup();
  const pending = client.submit(create('/last'));
  const closing = client.close();
  await tick();
  channel.listener.reply({ type: 'batch', id: channel.batches()[0]!.id, ok: true, revision: 1, results: [ok(1)] });
  assert.deepEqual(await pending, { revision: 1 });
  await tick();
  const closeReq = channel.sent.find((r) => r.type === 'close');
  assert.ok(closeReq, 'close is sent only after the batch committed');
  channel.listener.reply({ type: 'close', id: closeReq.id });
  await closing;
  assert.equal(channel.terminated, true);

  const other = setup();
  const lost = other.client.submit(create('/x'));
  const compacting = other.client.compact(5);
  await tick();
  other.channel.listener.failed(new Error('worker died'));
  await assert.rejects(lost, /worker died/);
  await assert.rejects(compacting, /worker died/);
  await assert.rejects(other.client.submit(create('/y')), /worker died/);
});
