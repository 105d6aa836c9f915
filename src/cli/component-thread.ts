/**
 * Runs one control-plane component in a worker thread: its own event loop and heap, so the
 * scheduler's cycles and the controllers' reconciles neither wait for nor delay the API server's
 * requests, and the process uses more than one core. The thread talks to the API server over
 * HTTPS like any client; the parent only starts it, relays its log lines and stops it.
 */
import { Worker } from 'node:worker_threads';
import type { ComponentSpec } from './components.ts';

/** Messages between the parent and a component thread. */
export type ThreadMessage = { type: 'log'; msg: string; extra?: Record<string, unknown> } | { type: 'stopped' } | { type: 'stop' };

/** How long a thread may take to stop gracefully before it is terminated. */
const STOP_TIMEOUT_MS = 15_000;

/** A running component thread. */
export interface ComponentThread {
  /** Asks the component to stop, waits for it (terminating it after 15 s), resolves when the thread has exited. */
  stop(): Promise<void>;
}

/**
 * Starts `spec.component` in a worker thread. Compiled (dist/), the thread runs component-main.js
 * directly. From the TypeScript sources, its entry (`thread-entry.js`) first registers tsx, as
 * bin/skiff.js does for the main thread (loader hooks are per thread), then imports
 * component-main.ts. A thread that dies is logged, not restarted.
 */
export function startComponentThread(spec: ComponentSpec, log: (msg: string, extra?: Record<string, unknown>) => void): ComponentThread {
  const compiled = import.meta.url.endsWith('.js');
  const main = new URL(compiled ? './component-main.js' : './component-main.ts', import.meta.url);
  const worker = new Worker(compiled ? main : new URL('./thread-entry.js', import.meta.url), {
    workerData: { module: main.href, spec },
    name: `skiff-${spec.component}`,
  });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('message', (m: ThreadMessage) => {
    if (m.type === 'log') log(m.msg, { ...m.extra, component: spec.component });
  });
  worker.on('error', (err) => log(`${spec.component} thread failed`, { error: err instanceof Error ? err.stack : String(err) }));
  return {
    async stop() {
      worker.postMessage({ type: 'stop' } satisfies ThreadMessage);
      const timer = setTimeout(() => void worker.terminate(), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}
