/**
 * Reading container logs in the CRI log format that containerd writes
 * (`2016-10-06T00:17:09.669794202Z stdout F text`), as the kubelet's kuberuntime/logs package
 * does: tail by records, filter by time, join partial (`P`) records into lines, optional
 * timestamps, a byte limit, and following a running container's file until it exits.
 */
import { closeSync, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** One record of a CRI log file. `content` has no trailing newline; a full record ends a line. */
export interface CriLogRecord {
  /** The timestamp exactly as written (RFC 3339 with nanoseconds). */
  timestamp: string;
  /** Nanoseconds since the epoch, for `since` comparisons. */
  nanos: bigint;
  stream: 'stdout' | 'stderr';
  /** `P` (partial: the line continues in the next record) or `F` (full). */
  partial: boolean;
  content: Buffer;
}

/** The options of a container log request (PodLogOptions as the kubelet reads them). */
export interface CriLogOptions {
  /** Records from the end to show; undefined for all (kubelet's -1). */
  tailLines?: number;
  /** Skip records older than this, in nanoseconds since the epoch. */
  sinceNanos?: bigint;
  /** Stop after this many bytes of output. */
  limitBytes?: number;
  /** Prefix each line with its RFC 3339 timestamp and a space. */
  timestamps?: boolean;
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** Nanoseconds since the epoch of an RFC 3339 timestamp (up to nine fraction digits), or undefined if malformed. */
export function parseRfc3339Nanos(text: string): bigint | undefined {
  const match = RFC3339.exec(text);
  if (!match) return undefined;
  const seconds = Date.parse(`${match[1]}${match[3]}`);
  if (Number.isNaN(seconds)) return undefined;
  return BigInt(seconds) * 1_000_000n + BigInt((match[2] ?? '').padEnd(9, '0'));
}

/**
 * The timestamp as the kubelet prints it with `timestamps=true`: Go's RFC3339Nano, which drops
 * trailing zeros of the fraction (and the dot when nothing is left).
 */
export function formatTimestamp(timestamp: string): string {
  const match = RFC3339.exec(timestamp);
  if (!match) return timestamp;
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  return `${match[1]}${fraction ? `.${fraction}` : ''}${match[3]}`;
}

/** Parses one CRI log record (without its newline); undefined for a malformed line, which readers skip like the kubelet. */
export function parseCriLogLine(line: Buffer): CriLogRecord | undefined {
  const first = line.indexOf(0x20);
  if (first < 0) return undefined;
  const second = line.indexOf(0x20, first + 1);
  if (second < 0) return undefined;
  const timestamp = line.subarray(0, first).toString('latin1');
  const stream = line.subarray(first + 1, second).toString('latin1');
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const nanos = parseRfc3339Nanos(timestamp);
  if (nanos === undefined) return undefined;
  // The tag field (`F`, `P`, or several tags joined by ':') is followed by a space and the content.
  let third = line.indexOf(0x20, second + 1);
  if (third < 0) third = line.length;
  const tags = line.subarray(second + 1, third).toString('latin1').split(':');
  return { timestamp, nanos, stream, partial: tags.includes('P'), content: line.subarray(Math.min(third + 1, line.length)) };
}

/**
 * Turns records into the bytes a log reader sees: full records end a line, partial ones continue
 * it; the timestamp (if asked for) starts each line; output stops at `limitBytes`.
 */
export class CriLogFormatter {
  private atLineStart = true;
  private written = 0;

  constructor(private readonly options: CriLogOptions) {}

  /** True once `limitBytes` is reached: nothing more will be produced. */
  get done(): boolean {
    return this.options.limitBytes !== undefined && this.written >= this.options.limitBytes;
  }

  /** The output for one record (possibly empty when it is filtered out or the limit is reached). */
  format(record: CriLogRecord): Buffer {
    if (this.done) return Buffer.alloc(0);
    if (this.options.sinceNanos !== undefined && record.nanos < this.options.sinceNanos) return Buffer.alloc(0);
    const parts: Buffer[] = [];
    if (this.options.timestamps && this.atLineStart) parts.push(Buffer.from(`${formatTimestamp(record.timestamp)} `));
    parts.push(record.content);
    if (!record.partial) parts.push(Buffer.from('\n'));
    this.atLineStart = !record.partial;
    let out = Buffer.concat(parts);
    const limit = this.options.limitBytes;
    if (limit !== undefined && this.written + out.length > limit) out = out.subarray(0, limit - this.written);
    this.written += out.length;
    return out;
  }
}

const CHUNK = 64 * 1024;

/**
 * Byte offset where the last `lines` records of the file start (0 when it has fewer), found by
 * reading backwards in chunks like the kubelet's tail.FindTailLineStartIndex. A final record
 * without a newline (still being written) counts as a record.
 */
export function tailStartOffset(fd: number, size: number, lines: number): number {
  if (lines <= 0) return size;
  let newlines = 0;
  let end = size;
  // A trailing newline terminates the last record rather than starting an empty one.
  const last = Buffer.alloc(1);
  if (size > 0 && readSync(fd, last, 0, 1, size - 1) === 1 && last[0] === 0x0a) end = size - 1;
  const buf = Buffer.alloc(CHUNK);
  let pos = end;
  while (pos > 0) {
    const start = Math.max(0, pos - CHUNK);
    const n = readSync(fd, buf, 0, pos - start, start);
    for (let i = n - 1; i >= 0; i--) {
      if (buf[i] !== 0x0a) continue;
      newlines++;
      if (newlines === lines) return start + i + 1;
    }
    pos = start;
  }
  return 0;
}

/** Where the output goes: `write` returns false for backpressure, like a Writable. */
export interface LogSink {
  write(chunk: Buffer): boolean | void;
  /** Resolves when the sink can take more (after write returned false). */
  drain?(): Promise<void>;
}

/** Options of `streamCriLog`. */
export interface StreamCriLogOptions extends CriLogOptions {
  follow?: boolean;
  /** For `follow`: whether the container still runs; following ends once it does not (and the file is drained). */
  isRunning?: () => Promise<boolean>;
  /** Ends following early (client went away). */
  signal?: AbortSignal;
  /** Poll interval while following (default 100 ms). */
  pollMs?: number;
}

/**
 * Writes the container log at `path` to `sink` with the given options; with `follow`, keeps
 * reading what the runtime appends until the container stops running, the signal aborts or the
 * byte limit is reached. A file replaced by log rotation is reopened from its start.
 * Throws (ENOENT) when the file does not exist.
 */
export async function streamCriLog(path: string, sink: LogSink, options: StreamCriLogOptions = {}): Promise<void> {
  const formatter = new CriLogFormatter(options);
  let fd = openSync(path, 'r');
  try {
    let stat = fstatSync(fd);
    let offset = options.tailLines === undefined ? 0 : tailStartOffset(fd, stat.size, options.tailLines);
    let pending = Buffer.alloc(0);
    const buf = Buffer.alloc(CHUNK);
    const pollMs = options.pollMs ?? 100;
    // Without follow the answer is the file as it was when asked: a line the container writes while
    // we read would otherwise make tailLines=1 return two lines.
    const end = options.follow ? Infinity : stat.size;
    let idleSince = Date.now();
    for (;;) {
      if (options.signal?.aborted || formatter.done) return;
      const n = offset < end ? readSync(fd, buf, 0, Math.min(CHUNK, end - offset), offset) : 0;
      if (n > 0) {
        offset += n;
        idleSince = Date.now();
        pending = pending.length ? Buffer.concat([pending, buf.subarray(0, n)]) : Buffer.from(buf.subarray(0, n));
        let start = 0;
        for (let nl = pending.indexOf(0x0a); nl >= 0; nl = pending.indexOf(0x0a, start)) {
          const record = parseCriLogLine(pending.subarray(start, nl));
          start = nl + 1;
          if (!record) continue;
          const out = formatter.format(record);
          if (out.length && sink.write(out) === false) await sink.drain?.();
          if (formatter.done) return;
        }
        pending = pending.subarray(start);
        continue;
      }
      // At the end of the file: a finished container's log is complete once drained. An
      // unterminated last record is still shown then, as the kubelet does.
      const exited = options.follow && options.isRunning ? !(await options.isRunning()) : false;
      if (exited && readSync(fd, buf, 0, 1, offset) > 0) continue;
      if (!options.follow || exited) {
        const record = pending.length ? parseCriLogLine(pending) : undefined;
        if (record) sink.write(formatter.format(record));
        return;
      }
      const reopened = reopenIfRotated(path, fd, stat.ino, offset);
      if (reopened) {
        ({ fd, stat } = reopened);
        offset = 0;
        pending = Buffer.alloc(0);
        continue;
      }
      await sleep(Math.min(pollMs * (1 + Math.floor((Date.now() - idleSince) / 5000)), 1000), undefined, { signal: options.signal }).catch(() => {});
    }
  } finally {
    closeSync(fd);
  }
}

/** After rotation the path names a new file: reopen it (once the old one is read to its end). */
function reopenIfRotated(path: string, fd: number, ino: number, offset: number): { fd: number; stat: Stats } | undefined {
  let current;
  try {
    current = statSync(path);
  } catch {
    return undefined;
  }
  if (current.ino === ino || offset < fstatSync(fd).size) return undefined;
  const next = openSync(path, 'r');
  closeSync(fd);
  return { fd: next, stat: fstatSync(next) };
}
