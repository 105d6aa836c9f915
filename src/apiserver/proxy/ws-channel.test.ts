import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Channel, decodeChannelMessage, encodeChannelMessage, errorChannelPayload, negotiateChannelProtocol } from './ws-channel.ts';

test('negotiation picks the first protocol the client offers that skiff serves', () => {
  assert.equal(negotiateChannelProtocol(['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io']), 'v5.channel.k8s.io');
  assert.equal(negotiateChannelProtocol(['base64.channel.k8s.io', 'v4.channel.k8s.io']), 'v4.channel.k8s.io');
  assert.equal(negotiateChannelProtocol(['SPDY/3.1+portforward.k8s.io']), undefined);
});

test('messages carry the stream id in their first byte', () => {
  const encoded = encodeChannelMessage(Channel.stdout, 'hi\n');
  assert.deepEqual([...encoded], [1, 0x68, 0x69, 0x0a]);
  assert.deepEqual(decodeChannelMessage(Buffer.from([0, 0x61]), 'v4.channel.k8s.io'), { kind: 'data', channel: 0, data: Buffer.from('a') });
  assert.deepEqual(decodeChannelMessage(Buffer.alloc(0), 'v5.channel.k8s.io'), { kind: 'empty' });
  assert.deepEqual(decodeChannelMessage(Buffer.from([4, 0x7b, 0x7d]), 'v5.channel.k8s.io'), { kind: 'data', channel: 4, data: Buffer.from('{}') });
});

test('v5 close signals are recognised only under v5', () => {
  assert.deepEqual(decodeChannelMessage(Buffer.from([255, 0]), 'v5.channel.k8s.io'), { kind: 'close', channel: 0 });
  assert.deepEqual(decodeChannelMessage(Buffer.from([255]), 'v5.channel.k8s.io'), { kind: 'empty' });
  assert.deepEqual(decodeChannelMessage(Buffer.from([255, 0]), 'v4.channel.k8s.io'), { kind: 'data', channel: 255, data: Buffer.from([0]) });
});

test('the error channel carries the Status from v4 on, only a failure message before', () => {
  const failure = Buffer.from(JSON.stringify({ metadata: {}, status: 'Failure', message: 'command terminated with non-zero exit code: exit status 3', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] } }));
  const success = Buffer.from('{"metadata":{},"status":"Success"}');
  assert.equal(errorChannelPayload(failure, 'v5.channel.k8s.io'), failure);
  assert.equal(errorChannelPayload(success, 'v4.channel.k8s.io'), success);
  assert.equal(errorChannelPayload(failure, 'v3.channel.k8s.io').toString(), 'command terminated with non-zero exit code: exit status 3');
  assert.equal(errorChannelPayload(success, 'channel.k8s.io').length, 0);
});
