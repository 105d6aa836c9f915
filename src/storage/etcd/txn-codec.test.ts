import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import { startTestEtcd } from '../test-etcd.ts';
import { EtcdStorage } from './etcd-storage.ts';
import { decodeTxnResponse, encodeCreate } from './txn-codec.ts';

test('decodeTxnResponse reads header.revision, succeeded and the first KeyValue of the first op', () => {
  // TxnResponse { header { revision: 300 }, succeeded: false, responses: [{ response_range { kvs: [{ key "k", create_revision 7, mod_revision 300, value "v" }] } }] }
  const kv = [0x0a, 1, 0x6b, 0x10, 7, 0x18, 0xac, 0x02, 0x2a, 1, 0x76];
  const range = [0x12, kv.length, ...kv];
  const op = [0x0a, range.length, ...range];
  const header = [0x18, 0xac, 0x02];
  const msg = Buffer.from([0x0a, header.length, ...header, 0x10, 0, 0x1a, op.length, ...op]);
  const r = decodeTxnResponse(msg);
  assert.equal(r.revision, 300);
  assert.equal(r.succeeded, false);
  assert.equal(r.kv?.key.toString(), 'k');
  assert.equal(r.kv?.value.toString(), 'v');
  assert.equal(r.kv?.createRevision, 7);
  assert.equal(r.kv?.modRevision, 300);
  assert.throws(() => decodeTxnResponse(msg.subarray(0, msg.length - 3)), /truncated/);
});

test('encodeCreate frames values past one-byte and two-byte lengths', () => {
  for (const size of [10, 200, 20_000, 1_000_000]) {
    const txn = encodeCreate(Buffer.from('/k'), Buffer.alloc(size, 0x61));
    assert.ok(txn.length > size && txn.length < size + 40, `size ${size}: ${txn.length}`);
  }
});

test('the lean write path stores exactly what etcd3 reads back (large values, guards, prev values)', async () => {
  const etcd = await startTestEtcd();
  const store = EtcdStorage.connect([etcd.endpoint], '/lean');
  const reader = new Etcd3({ hosts: [etcd.endpoint] });
  try {
    const big = 'x'.repeat(300_000) + 'é';
    const rev = await store.create('/big', big);
    assert.equal(await reader.get('/lean/big').string(), big);
    await assert.rejects(store.create('/big', 'again'), { name: 'KeyExistsError' });
    await assert.rejects(store.update('/big', 'stale', rev - 1), (err: Error & { actual?: { modRevision: number; value: string } }) => err.name === 'RevisionMismatchError' && err.actual?.modRevision === rev && err.actual.value === big);
    const rev2 = await store.update('/big', 'small', rev);
    assert.ok(rev2 > rev);
    await assert.rejects(store.update('/missing', 'v', 1), { name: 'KeyNotFoundError' });
    const removed = await store.delete('/big', rev2);
    assert.equal(removed.prev.value, 'small');
    assert.equal(removed.prev.modRevision, rev2);
    assert.equal(removed.prev.createRevision, rev);
    assert.equal(await reader.get('/lean/big').string(), null);
  } finally {
    reader.close();
    await store.close();
    await etcd.stop();
  }
});
