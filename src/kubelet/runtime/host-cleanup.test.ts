import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitRule } from './host-cleanup.ts';

test('iptables-save rule lines split like a shell, keeping escaped quotes', () => {
  const line = '-A POSTROUTING -s 10.244.77.2/32 -m comment --comment "name: \\"skiff\\" id: \\"abc\\"" -j CNI-1234';
  assert.deepEqual(splitRule(line), ['-A', 'POSTROUTING', '-s', '10.244.77.2/32', '-m', 'comment', '--comment', 'name: "skiff" id: "abc"', '-j', 'CNI-1234']);
});
