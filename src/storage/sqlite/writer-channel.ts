/**
 * How the main thread reaches the SQLite writer: a worker thread for a database file (commits and
 * their fsyncs leave the event loop), or inline on the main thread for `:memory:` and temporary
 * databases, which a second connection in another thread cannot see. Both deliver replies
 * asynchronously, so the store above behaves the same with either.
 */
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { WriterHost } from './writer-host.ts';
import type { WriterReply, WriterRequest } from './writer-protocol.ts';

/** Receives what the writer sends back. */
export interface ChannelListener {
  reply(msg: WriterReply): void;
  /** The writer died (worker crashed or exited early); no reply will follow. */
  failed(err: Error): void;
}

/** A connection to the writer. */
export interface WriterChannel {
  send(req: WriterRequest): void;
  /** Keeps the process alive while requests are outstanding; lets it exit when idle. */
  setBusy(busy: boolean): void;
  /** Ends the writer; call after the 'close' reply. */
  terminate(): Promise<void>;
}

/**
 * The worker's entry module. From TypeScript sources the worker runs them through tsx: on Node 20
 * a worker does not get module hooks from `--import` in its execArgv, so a tiny bootstrap module
 * (a data: URL, no extra file) registers tsx inside the worker and then imports the writer. Both
 * are absolute URLs, so the process's working directory does not matter, and it works whether the
 * parent ran `node --import tsx` or `node bin/skiff.js` (which registers tsx in the main thread
 * only). When this module is compiled JavaScript (a tsc build with rewritten `.ts` imports), the
 * compiled writer runs directly: no loader thread and no TypeScript transform in the worker,
 * about 12 MiB less resident memory.
 */
function workerEntry(): URL {
  const compiled = import.meta.url.endsWith('.js');
  if (compiled) return new URL('./sqlite-writer.js', import.meta.url);
  return new URL(
    'data:text/javascript,' +
      encodeURIComponent(
        `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))};\n` +
          'register();\n' +
          `await import(${JSON.stringify(new URL('./sqlite-writer.ts', import.meta.url).href)});\n`,
      ),
  );
}

const BOOTSTRAP = workerEntry();

/** A writer worker thread owning its own connection to the file at `path`. */
export class WorkerChannel implements WriterChannel {
  private readonly worker: Worker;
  private ending = false;

  constructor(path: string, listener: ChannelListener) {
    this.worker = new Worker(BOOTSTRAP, { workerData: { path } });
    this.worker.unref();
    this.worker.on('message', (msg: WriterReply) => listener.reply(msg));
    this.worker.on('error', (err: Error) => listener.failed(err));
    this.worker.on('exit', (code) => {
      if (!this.ending) listener.failed(new Error(`sqlite writer thread exited (code ${code})`));
    });
  }

  send(req: WriterRequest): void {
    this.worker.postMessage(req);
  }

  setBusy(busy: boolean): void {
    if (busy) this.worker.ref();
    else this.worker.unref();
  }

  async terminate(): Promise<void> {
    this.ending = true;
    await this.worker.terminate();
  }
}

/**
 * The writer on the main thread, sharing the store's connection: for in-memory databases, and for
 * files when the store is opened with `writer: 'inline'`. A batch is applied as soon as it is sent
 * (the client sends from a setImmediate callback, after the event-loop turn that queued its writes)
 * and its reply delivered at once: no structured clone of values to a thread and back, no second
 * event-loop hop. The commit's fsync then blocks the event loop, once per batch.
 */
export class InlineChannel implements WriterChannel {
  private readonly host: WriterHost;

  constructor(db: Database.Database, listener: ChannelListener) {
    this.host = new WriterHost(db, (msg) => listener.reply(msg));
  }

  send(req: WriterRequest): void {
    this.host.handle(req);
  }

  setBusy(): void {
    // Nothing runs outside the event loop, so nothing needs to keep the process alive.
  }

  async terminate(): Promise<void> {
    // The connection is the store's own; the store closes it.
  }
}
