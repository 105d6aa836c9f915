import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { WorkQueue } from './workqueue.ts';
import { BucketRateLimiter, ItemExponentialFailureRateLimiter, MaxOfRateLimiter, defaultControllerRateLimiter } from './rate-limiter.ts';

describe('WorkQueue', () => {
  test('deduplicates items that are queued', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    q.add('b');
    q.add('a');
    assert.equal(q.len(), 2);
    assert.equal(await q.get(), 'a');
    assert.equal(await q.get(), 'b');
    assert.equal(q.len(), 0);
  });

  test('an item added while processed is held back and queued again after done', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    const item = await q.get();
    q.add('a');
    q.add('a');
    assert.equal(q.len(), 0, 'not handed to a second worker while processing');
    let second: string | undefined;
    void q.get().then((v) => (second = v));
    await delay(5);
    assert.equal(second, undefined);
    q.done(item!);
    await delay(0);
    assert.equal(second, 'a');
    q.done('a');
    assert.equal(q.len(), 0, 'the two adds during processing collapsed into one');
  });

  test('done without a re-add does not queue the item again', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    q.done((await q.get())!);
    assert.equal(q.len(), 0);
  });

  test('get waits for an add', async () => {
    const q = new WorkQueue<string>();
    const pending = q.get();
    q.add('x');
    assert.equal(await pending, 'x');
  });

  test('addAfter delays the item and keeps the earlier time when added twice', async () => {
    const q = new WorkQueue<string>();
    q.addAfter('slow', 10_000);
    q.addAfter('slow', 30);
    q.addAfter('later', 80);
    assert.equal(q.len(), 0);
    const started = Date.now();
    assert.equal(await q.get(), 'slow');
    const waited = Date.now() - started;
    assert.ok(waited >= 25 && waited < 1000, `waited ${waited} ms`);
    assert.equal(q.len(), 0);
    assert.equal(await q.get(), 'later');
    q.shutDown();
  });

  test('addAfter with no delay adds at once', () => {
    const q = new WorkQueue<string>();
    q.addAfter('now', 0);
    assert.equal(q.len(), 1);
  });

  test('addRateLimited backs off per item and forget resets it', async () => {
    const q = new WorkQueue<string>({ rateLimiter: new ItemExponentialFailureRateLimiter<string>(20, 1000) });
    q.addRateLimited('k');
    assert.equal(q.len(), 0);
    assert.equal(q.numRequeues('k'), 1);
    const started = Date.now();
    assert.equal(await q.get(), 'k');
    assert.ok(Date.now() - started >= 15);
    q.done('k');
    q.addRateLimited('k');
    assert.equal(q.numRequeues('k'), 2);
    q.forget('k');
    assert.equal(q.numRequeues('k'), 0);
    q.shutDown();
  });

  test('shutDown wakes waiting workers with undefined, still hands out queued items, ignores adds', async () => {
    const q = new WorkQueue<string>();
    const waiting = q.get();
    q.shutDown();
    assert.equal(await waiting, undefined);
    const q2 = new WorkQueue<string>();
    q2.add('left');
    q2.shutDown();
    q2.add('ignored');
    assert.equal(await q2.get(), 'left');
    assert.equal(await q2.get(), undefined);
  });

  test('shutDownWithDrain waits for items in process', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    await q.get();
    let drained = false;
    const drain = q.shutDownWithDrain().then(() => (drained = true));
    await delay(5);
    assert.equal(drained, false);
    q.done('a');
    await drain;
    assert.equal(drained, true);
  });
});

describe('rate limiters', () => {
  test('per-item exponential backoff doubles from the base and caps at the max', () => {
    const rl = new ItemExponentialFailureRateLimiter<string>(5, 1000_000);
    assert.deepEqual([1, 2, 3, 4, 5].map(() => rl.when('a')), [5, 10, 20, 40, 80]);
    assert.equal(rl.when('b'), 5, 'items back off independently');
    for (let i = 0; i < 100; i++) rl.when('a');
    assert.equal(rl.when('a'), 1000_000);
    rl.forget('a');
    assert.equal(rl.when('a'), 5);
  });

  test('the token bucket allows the burst, then qps', () => {
    let now = 0;
    const rl = new BucketRateLimiter<string>(10, 100, () => now);
    for (let i = 0; i < 100; i++) assert.equal(rl.when('x'), 0);
    assert.equal(rl.when('x'), 100);
    assert.equal(rl.when('x'), 200);
    now += 1000; // refills 10 tokens, paying back the debt of 2
    for (let i = 0; i < 8; i++) assert.equal(rl.when('x'), 0);
    assert.equal(rl.when('x'), 100);
  });

  test('max-of takes the slower limiter', () => {
    let now = 0;
    const rl = new MaxOfRateLimiter<string>(new ItemExponentialFailureRateLimiter<string>(5, 1000), new BucketRateLimiter<string>(1, 1, () => now));
    assert.equal(rl.when('a'), 5);
    assert.equal(rl.when('b'), 1000, 'bucket empty: 1 s at 1 qps');
    assert.equal(rl.numRequeues('a'), 1);
    rl.forget('a');
    assert.equal(rl.numRequeues('a'), 0);
  });

  test('the default controller limiter starts at 5 ms', () => {
    const rl = defaultControllerRateLimiter<string>();
    assert.equal(rl.when('a'), 5);
    assert.equal(rl.when('a'), 10);
  });
});
