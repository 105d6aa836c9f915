import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { TxnClient } from './txn-client.ts';
import { encodeCreate } from './txn-codec.ts';

test('TxnClient.supports only a single plain-HTTP endpoint', () => {
  assert.equal(TxnClient.supports(['http://127.0.0.1:2379']), true);
  assert.equal(TxnClient.supports(['https://127.0.0.1:2379']), false);
  assert.equal(TxnClient.supports(['http://a:1', 'http://b:1']), false);
});

test('a Txn to an endpoint nobody listens on fails with UNAVAILABLE instead of hanging', async () => {
  // A port that was free a moment ago: bind, read it, close.
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const client = new TxnClient(`http://127.0.0.1:${port}`);
  try {
    await assert.rejects(client.txn(encodeCreate(Buffer.from('/k'), Buffer.from('v'))), { name: 'EtcdCallError', code: 14 });
  } finally {
    client.close();
  }
  await assert.rejects(client.txn(encodeCreate(Buffer.from('/k'), Buffer.from('v'))), /closed/);
});
