/**
 * Serves {@link WriterRequest}s against a {@link BatchWriter}: the request loop of the writer worker
 * (and of the inline writer used for `:memory:` stores). Batches run as they arrive; a compaction
 * runs window by window and yields to the event loop between windows, so batches that arrive during
 * a long compaction are committed in between instead of waiting for all of it.
 */
import type Database from 'better-sqlite3';
import { BatchWriter, COMPACT_WINDOW } from './batch-writer.ts';
import { toWireError, type WriterReply, type WriterRequest } from './writer-protocol.ts';

/** Dispatches requests to a writer and sends one reply per request through `reply`. */
export class WriterHost {
  private readonly writer: BatchWriter;
  /** Compactions run one after another. */
  private compaction: Promise<void> = Promise.resolve();
  private closing = false;

  constructor(
    private readonly db: Database.Database,
    private readonly reply: (msg: WriterReply) => void,
  ) {
    this.writer = new BatchWriter(db);
  }

  /** Handles one request; its reply is sent when it is done (batches: synchronously). */
  handle(req: WriterRequest): void {
    switch (req.type) {
      case 'batch':
        this.batch(req.id, req.ops);
        return;
      case 'compact':
        this.compaction = this.compaction.then(() => this.compact(req.id, req.revision));
        return;
      case 'close':
        this.closing = true;
        void this.compaction.then(() => this.reply({ type: 'close', id: req.id }));
    }
  }

  private batch(id: number, ops: Parameters<BatchWriter['applyBatch']>[1]): void {
    let msg: WriterReply;
    try {
      msg = this.writer.applyBatch(id, ops);
    } catch (err) {
      msg = { type: 'batch', id, ok: false, error: toWireError(err) };
    }
    this.reply(msg);
  }

  private async compact(id: number, target: number): Promise<void> {
    try {
      // Closing stops a long compaction early; it resumes from the persisted point next time.
      while (this.writer.compactedDone < target && !this.closing) {
        const lo = this.writer.compactedDone;
        const hi = Math.min(lo + COMPACT_WINDOW, target);
        this.writer.compactWindow(lo, hi);
        if (hi < target) await new Promise((resolve) => setImmediate(resolve));
      }
      this.reply({ type: 'compact', id });
    } catch (err) {
      this.reply({ type: 'compact', id, error: toWireError(err) });
    }
  }

  /** Closes the connection; call only after the 'close' reply (no request may follow). */
  closeDb(): void {
    this.db.close();
  }
}
