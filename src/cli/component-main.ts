/**
 * The body of a component thread (see component-thread.ts): builds each component's client from
 * the specs it was given, runs the components (on one shared informer factory) until the parent
 * says stop, then reports `stopped` and lets the thread end.
 */
import { setMaxListeners } from 'node:events';
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { RestClient } from '../client/rest-client.ts';
import type { ThreadMessage } from './component-thread.ts';
import { runComponents, type ComponentSpec } from './components.ts';
import { monitorStalls } from './stall-monitor.ts';

const port = parentPort!;
const specs = (workerData as { specs: ComponentSpec[] }).specs;
const abort = new AbortController();
setMaxListeners(0, abort.signal);
const log = (msg: string, extra?: Record<string, unknown>): void => port.postMessage({ type: 'log', msg, extra } satisfies ThreadMessage);
port.on('message', (m: ThreadMessage) => {
  if (m.type === 'stop') abort.abort();
});
// SKIFF_COMPONENT_HEAP_LOG_SECONDS=N: the thread logs its heap every N s (scale runs: is a thread near its heap limit?).
const heapLogSeconds = Number(process.env.SKIFF_COMPONENT_HEAP_LOG_SECONDS ?? 0);
if (heapLogSeconds > 0) {
  setInterval(() => {
    const h = getHeapStatistics();
    log('heap', { usedMiB: Math.round(h.used_heap_size / 2 ** 20), totalMiB: Math.round(h.total_heap_size / 2 ** 20), limitMiB: Math.round(h.heap_size_limit / 2 ** 20) });
  }, heapLogSeconds * 1000).unref();
}
const stopMonitor = monitorStalls(log);
const components = specs.map((spec) => ({
  spec,
  client: new RestClient({ server: spec.server, ca: spec.ca, cert: spec.cert, key: spec.key, userAgent: spec.userAgent }),
  log: (msg: string, extra?: Record<string, unknown>) => log(msg, { ...extra, component: spec.component }),
}));
try {
  await runComponents(components, abort.signal);
} catch (err) {
  log('components failed', { error: err instanceof Error ? err.stack : String(err) });
} finally {
  stopMonitor();
  for (const { client } of components) client.close();
  port.postMessage({ type: 'stopped' } satisfies ThreadMessage);
  port.close();
}
