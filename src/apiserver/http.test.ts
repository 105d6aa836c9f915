import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendBytes } from './http.ts';

/** Serves `parts` through sendBytes once and returns what a client receives. */
async function roundTrip(parts: Buffer[]): Promise<{ length: string | undefined; type: string | undefined; body: Buffer }> {
  const server = createServer((_req, res) => sendBytes(res, 200, parts));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise((resolve, reject) => {
      get({ host: '127.0.0.1', port, path: '/' }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ length: res.headers['content-length'], type: res.headers['content-type'], body: Buffer.concat(chunks) }));
      }).on('error', reject);
    });
  } finally {
    server.close();
  }
}

test('sendBytes sends the pieces in order with their total content-length', async () => {
  // 3,000 pieces of ~1 KiB: more than two 1 MiB chunks, and a last chunk that is partial.
  const parts = Array.from({ length: 3000 }, (_, i) => Buffer.from(`${i}:${'x'.repeat(1000)};`));
  const expected = Buffer.concat(parts);
  const got = await roundTrip(parts);
  assert.equal(got.length, String(expected.length));
  assert.equal(got.type, 'application/json');
  assert.ok(got.body.equals(expected), 'body differs from the concatenated pieces');
});

test('sendBytes handles a single small piece and no pieces', async () => {
  const one = await roundTrip([Buffer.from('{"items":[]}')]);
  assert.equal(one.body.toString(), '{"items":[]}');
  assert.equal(one.length, '12');
  const none = await roundTrip([]);
  assert.equal(none.body.length, 0);
  assert.equal(none.length, '0');
});
