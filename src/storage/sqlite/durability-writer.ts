/**
 * Child process for durability.test.ts: writes keys into the SQLite store at argv[2] with several
 * concurrent writers (so group commit batches them) and prints `ack <key> <revision>` for every
 * acknowledged write, until it is killed. argv[3] picks the writer mode ('thread' or 'inline').
 */
import { SqliteStorage } from './sqlite-storage.ts';

const store = SqliteStorage.open(process.argv[2]!, { writer: process.argv[3] === 'inline' ? 'inline' : 'thread' });
let next = 0;

async function writer(): Promise<void> {
  for (;;) {
    const key = `/durable/${String(next++).padStart(8, '0')}`;
    const rev = await store.create(key, JSON.stringify({ key, pad: 'x'.repeat(200) }));
    // stdout to a pipe is synchronous on Linux: once this returns, the parent can see the ack.
    process.stdout.write(`ack ${key} ${rev}\n`);
  }
}

process.stdout.write('ready\n');
await Promise.all(Array.from({ length: 16 }, writer));
