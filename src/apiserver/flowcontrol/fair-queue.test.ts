import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../api/errors.ts';
import { PriorityLevel, type Release } from './fair-queue.ts';

/** Resolves what is already resolved (granted seats run their continuations). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('a level runs at most its seats at once; the next request gets the seat a release frees', async () => {
  const level = new PriorityLevel('t', { seats: 2, maxQueuedPerFlow: 10 });
  const a = level.acquire('f') as Release;
  const b = level.acquire('f') as Release;
  assert.equal(typeof a, 'function');
  assert.equal(typeof b, 'function');
  const third = level.acquire('f');
  assert.ok(third instanceof Promise);
  let granted = false;
  void third.then(() => (granted = true));
  await settle();
  assert.equal(granted, false);
  assert.equal(level.inFlight, 2);
  assert.equal(level.waiting, 1);
  a();
  a(); // a second release of the same seat frees nothing
  await settle();
  assert.equal(granted, true);
  assert.equal(level.inFlight, 2);
  b();
  (await third)();
  assert.equal(level.inFlight, 0);
});

test('a flow flooding the level cannot delay another flow beyond one turn of the seats', async () => {
  const level = new PriorityLevel('t', { seats: 1, maxQueuedPerFlow: 1000 });
  const first = level.acquire('flood') as Release;
  const order: string[] = [];
  const waits: Promise<void>[] = [];
  for (let i = 0; i < 200; i++) waits.push((level.acquire('flood') as Promise<Release>).then((release) => (order.push(`flood-${i}`), release())));
  // The quiet flow arrives after 200 queued requests of the flooding one.
  waits.push((level.acquire('quiet') as Promise<Release>).then((release) => (order.push('quiet'), release())));
  first();
  await Promise.all(waits);
  assert.equal(order.length, 201);
  // Round robin between the two flows: the quiet request gets the second seat, not the 201st.
  assert.equal(order.indexOf('quiet'), 1, order.slice(0, 3).join(','));
  // The flooding flow keeps its own order.
  assert.deepEqual(order.filter((o) => o !== 'quiet'), Array.from({ length: 200 }, (_, i) => `flood-${i}`));
});

test('a full flow queue answers 429 TooManyRequests with retryAfterSeconds 1, and other flows still queue', async () => {
  const level = new PriorityLevel('t', { seats: 1, maxQueuedPerFlow: 2 });
  const held = level.acquire('f') as Release;
  const q1 = level.acquire('f');
  const q2 = level.acquire('f');
  assert.throws(() => level.acquire('f'), (err: unknown) => err instanceof StatusError && err.code === 429 && err.reason === 'TooManyRequests' && err.details?.retryAfterSeconds === 1);
  const other = level.acquire('g');
  assert.ok(other instanceof Promise);
  held();
  (await q1)();
  (await other)();
  (await q2)();
  assert.equal(level.inFlight, 0);
  assert.equal(level.waiting, 0);
});

test('a request whose client went away while waiting does not take a seat', async () => {
  const level = new PriorityLevel('t', { seats: 1, maxQueuedPerFlow: 10 });
  const held = level.acquire('f') as Release;
  let gone = false;
  let abandonedGranted = false;
  const abandoned = (level.acquire('f', () => gone) as Promise<Release>).then(() => (abandonedGranted = true));
  const next = level.acquire('f') as Promise<Release>;
  gone = true;
  held();
  const release = await next;
  assert.equal(abandonedGranted, false);
  // Its wait ends (the handler that awaits it finishes instead of hanging for good).
  await assert.rejects(abandoned, (err: unknown) => err instanceof StatusError && err.code === 429);
  assert.equal(level.inFlight, 1);
  release();
  assert.equal(level.inFlight, 0);
});
