import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hotFunctions, type CpuProfile } from './profile-summary.ts';

test('hotFunctions sums self time per function and ranks it', () => {
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 } },
      { id: 2, callFrame: { functionName: 'serialize', url: 'file:///work/main/src/apiserver/x.ts', lineNumber: 9 } },
      { id: 3, callFrame: { functionName: '', url: 'node:internal/http2/core', lineNumber: 0 } },
    ],
    samples: [2, 3, 2, 2],
    timeDeltas: [1000, 2000, 3000, 4000],
  };
  const hot = hotFunctions(profile, 2);
  assert.deepEqual(hot, [
    { name: 'serialize', location: 'src/apiserver/x.ts:10', selfMs: 8, selfPercent: 80 },
    { name: '(anonymous)', location: 'node:internal/http2/core:1', selfMs: 2, selfPercent: 20 },
  ]);
});
