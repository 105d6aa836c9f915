import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CrashBackoff, goDuration, goDurationMillis } from './pod-worker-backoff.ts';

describe('CrashBackoff', () => {
  test('first restart is free, then 10s doubling to a 5m cap', () => {
    const b = new CrashBackoff();
    let now = 0;
    assert.equal(b.isInBackOffSince('k', now, now), false);
    const seen: string[] = [];
    for (let i = 0; i < 7; i++) {
      b.next('k', now);
      seen.push(goDuration(b.get('k')));
      now += 1000; // the container dies a second after each restart
      assert.equal(b.isInBackOffSince('k', now, now + b.get('k') - 1), true);
      now = b.releaseAt('k', now);
      assert.equal(b.isInBackOffSince('k', now - b.get('k'), now), false);
    }
    assert.deepEqual(seen, ['10s', '20s', '40s', '1m20s', '2m40s', '5m0s', '5m0s']);
  });

  test('resets after the container ran 10 minutes, or after 10 minutes without restarts', () => {
    const b = new CrashBackoff();
    b.next('k', 0);
    b.next('k', 1000);
    b.next('k', 2000);
    assert.equal(b.get('k'), 40_000);
    b.next('k', 3000, 10 * 60_000);
    assert.equal(b.get('k'), 10_000);
    b.next('k', 4000);
    assert.equal(b.get('k'), 20_000);
    b.next('k', 4000 + 10 * 60_000 + 1);
    assert.equal(b.get('k'), 10_000);
    b.forgetPrefix('k');
    assert.equal(b.get('k'), 0);
  });

  test('goDuration matches Go time.Duration formatting', () => {
    assert.deepEqual([10_000, 80_000, 300_000, 3_725_000].map(goDuration), ['10s', '1m20s', '5m0s', '1h2m5s']);
  });
});

describe('goDurationMillis', () => {
  test("formats like Go's Duration.String after truncation to milliseconds", () => {
    assert.deepEqual([0, 850, 1000, 1234, 1200, 60_000, 123_500, 3_723_004].map(goDurationMillis), ['0s', '850ms', '1s', '1.234s', '1.2s', '1m0s', '2m3.5s', '1h2m3.004s']);
  });
});
