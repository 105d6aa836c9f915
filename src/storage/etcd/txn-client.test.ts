import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TxnClient } from './txn-client.ts';

// The gRPC transport under TxnClient (UNAVAILABLE, deadlines, statuses) is tested in src/grpc/unary-client.test.ts;
// the writes themselves against a real etcd in txn-codec.test.ts and the storage conformance suite.
test('TxnClient.supports only a single plain-HTTP endpoint', () => {
  assert.equal(TxnClient.supports(['http://127.0.0.1:2379']), true);
  assert.equal(TxnClient.supports(['https://127.0.0.1:2379']), false);
  assert.equal(TxnClient.supports(['http://a:1', 'http://b:1']), false);
});
