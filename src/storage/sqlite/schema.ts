/**
 * The SQLite layout: one log-structured table, as kine does it. Every change is a new row whose id
 * is the revision; the current value of a key is its newest row; a delete is a row with
 * `deleted = 1` that keeps the last value; history stays until compaction removes superseded rows.
 */
import type Database from 'better-sqlite3';

/** A row of the `kv` table. */
export interface KvRow {
  id: number;
  name: string;
  created: number;
  deleted: number;
  create_revision: number;
  prev_revision: number;
  value: string;
}

/** A history row joined with the row it replaced (for a watch event's prevKv). */
export interface EventRow extends KvRow {
  prev_id: number | null;
  prev_create_revision: number | null;
  prev_value: string | null;
}

const DDL = `
CREATE TABLE IF NOT EXISTS kv (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  created INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS kv_name_id ON kv (name, id);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
`;

const COLUMNS = 'kv.id, kv.name, kv.created, kv.deleted, kv.create_revision, kv.prev_revision, kv.value';

/** Newest row per name within [start, end) at or before a revision, live rows only (kine's list query). */
function listSql(bounded: boolean): string {
  const end = bounded ? 'AND m.name < @end' : '';
  return `SELECT ${COLUMNS} FROM kv JOIN (
      SELECT MAX(m.id) AS id FROM kv AS m WHERE m.name >= @start ${end} AND m.id <= @rev GROUP BY m.name
    ) AS latest ON latest.id = kv.id
    WHERE kv.deleted = 0 ORDER BY kv.name LIMIT @limit`;
}

/** History rows in (after, upto] within [start, end), each joined to the row it superseded. */
function eventsSql(bounded: boolean): string {
  const end = bounded ? 'AND kv.name < @end' : '';
  return `SELECT ${COLUMNS}, p.id AS prev_id, p.create_revision AS prev_create_revision, p.value AS prev_value
    FROM kv LEFT JOIN kv AS p ON p.id = kv.prev_revision AND kv.created = 0
    WHERE kv.id > @after AND kv.id <= @upto AND kv.name >= @start ${end} ORDER BY kv.id`;
}

/**
 * Opens the database with the durability settings the store promises: WAL with synchronous=FULL
 * syncs the WAL on every commit, so an acknowledged write survives a process kill and power loss.
 */
export function configure(db: Database.Database): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.exec(DDL);
}

/** Every prepared statement the store uses, compiled once. */
export function prepare(db: Database.Database) {
  return {
    latest: db.prepare<[string], KvRow>(`SELECT ${COLUMNS} FROM kv WHERE name = ? ORDER BY id DESC LIMIT 1`),
    // The newest row of a name at or before a revision: readers see only acknowledged revisions.
    latestAt: db.prepare<[string, number], KvRow>(
      `SELECT ${COLUMNS} FROM kv WHERE name = ? AND id <= ? ORDER BY id DESC LIMIT 1`,
    ),
    insert: db.prepare<[number, string, number, number, number, number, string]>(
      'INSERT INTO kv (id, name, created, deleted, create_revision, prev_revision, value) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    listBounded: db.prepare<{ start: string; end: string; rev: number; limit: number }, KvRow>(listSql(true)),
    listOpen: db.prepare<{ start: string; rev: number; limit: number }, KvRow>(listSql(false)),
    eventsBounded: db.prepare<{ after: number; upto: number; start: string; end: string }, EventRow>(eventsSql(true)),
    eventsOpen: db.prepare<{ after: number; upto: number; start: string }, EventRow>(eventsSql(false)),
    maxId: db.prepare<[], { id: number | null }>('SELECT MAX(id) AS id FROM kv'),
    getMeta: db.prepare<[string], { value: number }>('SELECT value FROM meta WHERE name = ?'),
    setMeta: db.prepare<[string, number]>(
      'INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
    ),
    // Compaction of one revision window (lo, hi]: for every name changed in it, drop rows superseded
    // at hi, and the row itself if it is a tombstone (the key does not exist at hi).
    compactWindow: db.prepare<{ lo: number; hi: number }>(
      `DELETE FROM kv WHERE id <= @hi
         AND name IN (SELECT name FROM kv AS w WHERE w.id > @lo AND w.id <= @hi)
         AND (deleted = 1 OR id < (SELECT MAX(k2.id) FROM kv AS k2 WHERE k2.name = kv.name AND k2.id <= @hi))`,
    ),
  };
}

/** The prepared statements of one database. */
export type Statements = ReturnType<typeof prepare>;
