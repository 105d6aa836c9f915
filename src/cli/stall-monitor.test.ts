import { test } from 'node:test';
import assert from 'node:assert/strict';
import { monitorStalls } from './stall-monitor.ts';

test('a blocked event loop is reported with how long it stalled; a turning one is not', async () => {
  const logged: { msg: string; extra?: Record<string, unknown> }[] = [];
  const stop = monitorStalls((msg, extra) => logged.push({ msg, extra }), 300);
  try {
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.deepEqual(logged.filter((l) => l.msg === 'event loop stalled'), []);
    const until = performance.now() + 700;
    while (performance.now() < until) {
      // Busy: the monitor's timer cannot fire.
    }
    await new Promise((resolve) => setTimeout(resolve, 400));
    const stalls = logged.filter((l) => l.msg === 'event loop stalled');
    assert.equal(stalls.length, 1);
    assert.ok((stalls[0]!.extra!.ms as number) >= 300, `stall of ${String(stalls[0]!.extra!.ms)} ms`);
  } finally {
    stop();
  }
});
