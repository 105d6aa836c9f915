/**
 * Entry point of the SQLite writer worker thread: opens the write connection to the file named in
 * `workerData.path` and serves the main thread's requests, so every commit's fsync happens here and
 * never blocks the API server's event loop. The 'close' request closes the connection before it is
 * answered; the main thread then terminates the thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { WriterHost } from './writer-host.ts';
import type { WriterReply, WriterRequest } from './writer-protocol.ts';

const port = parentPort!;
const { path } = workerData as { path: string };
const host = new WriterHost(new Database(path), (msg: WriterReply) => {
  if (msg.type === 'close') host.closeDb();
  port.postMessage(msg);
});
port.on('message', (req: WriterRequest) => host.handle(req));
