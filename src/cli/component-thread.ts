/**
 * Runs control-plane components in a worker thread: its own event loop and heap, so the
 * scheduler's cycles and the controllers' reconciles neither wait for nor delay the API server's
 * requests, and the process uses more than one core. The thread talks to the API server over
 * HTTPS like any client; the parent only starts it, relays its log lines and stops it.
 */
import { Worker } from 'node:worker_threads';
import type { ComponentSpec } from './components.ts';
import { ItemExponentialFailureRateLimiter } from '../machinery/rate-limiter.ts';

/** Messages between the parent and a component thread. */
export type ThreadMessage = { type: 'log'; msg: string; extra?: Record<string, unknown> } | { type: 'stopped' } | { type: 'stop' };

/** How long a thread may take to stop gracefully before it is terminated. */
const STOP_TIMEOUT_MS = 15_000;

/** A running component thread. */
export interface ComponentThread {
  /** Asks the component to stop, waits for it (terminating it after 15 s), resolves when the thread has exited. */
  stop(): Promise<void>;
}

/** A thread that dies is started again after this delay, doubling up to the maximum (as a supervisor would). */
const RESTART_INITIAL_MS = 1_000;
const RESTART_MAX_MS = 30_000;
/** A thread that ran at least this long before dying starts the backoff over. */
const RESTART_RESET_MS = 60_000;

/**
 * Starts `specs`' components in one worker thread (sharing one informer cache). Compiled (dist/),
 * the thread runs component-main.js directly. From the TypeScript sources, its entry
 * (`thread-entry.js`) first registers tsx, as bin/skiff.js does for the main thread (loader hooks
 * are per thread), then imports component-main.ts. `entry` replaces the thread's script (tests). A
 * thread that dies (an uncaught error, or its heap exhausted) is logged and started again after a
 * backoff, as kubelet or systemd restart a crashed kube-controller-manager; until stop() is called.
 */
export function startComponentThread(specs: ComponentSpec[], log: (msg: string, extra?: Record<string, unknown>) => void, entry?: URL): ComponentThread {
  const name = specs.map((s) => s.component).join('+');
  const compiled = import.meta.url.endsWith('.js');
  const main = new URL(compiled ? './component-main.js' : './component-main.ts', import.meta.url);
  const script = entry ?? (compiled ? main : new URL('./thread-entry.js', import.meta.url));
  let stopping = false;
  const restarts = new ItemExponentialFailureRateLimiter<string>(RESTART_INITIAL_MS, RESTART_MAX_MS);
  let restartTimer: NodeJS.Timeout | undefined;
  let current: { worker: Worker; exited: Promise<void> };
  const launch = (): void => {
    const startedAt = Date.now();
    const worker = new Worker(script, {
      workerData: { module: main.href, specs },
      name: `skiff-${name}`,
    });
    const exited = new Promise<void>((resolve) =>
      worker.once('exit', (code) => {
        resolve();
        if (stopping) return;
        if (Date.now() - startedAt >= RESTART_RESET_MS) restarts.forget(name);
        const delay = restarts.when(name);
        log(`${name} thread exited; restarting`, { code, inMs: delay });
        restartTimer = setTimeout(launch, delay);
      }),
    );
    worker.on('message', (m: ThreadMessage) => {
      // Each component's lines already name it; a line of the thread itself gets the thread's name.
      if (m.type === 'log') log(m.msg, { component: name, ...m.extra });
    });
    worker.on('error', (err) => log(`${name} thread failed`, { error: err instanceof Error ? err.stack : String(err) }));
    current = { worker, exited };
  };
  launch();
  return {
    async stop() {
      stopping = true;
      clearTimeout(restartTimer);
      const { worker, exited } = current;
      worker.postMessage({ type: 'stop' } satisfies ThreadMessage);
      const timer = setTimeout(() => void worker.terminate(), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}
