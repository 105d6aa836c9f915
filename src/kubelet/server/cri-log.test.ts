import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, openSync, closeSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CriLogFormatter, formatTimestamp, parseCriLogLine, parseRfc3339Nanos, streamCriLog, tailStartOffset, type StreamCriLogOptions } from './cri-log.ts';

const LOG = [
  '2016-10-06T00:17:09.669794202Z stdout F first',
  '2016-10-06T00:17:10.000000000Z stderr F second',
  '2016-10-06T00:17:11.100000000Z stdout P par',
  '2016-10-06T00:17:11.200000000Z stdout P ti',
  '2016-10-06T00:17:11.300000000Z stdout F al',
  'garbage line without fields',
  '2016-10-06T00:17:12Z stdout F last',
  '',
].join('\n');

function withLog<T>(content: string, fn: (path: string, dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-crilog-'));
  const path = join(dir, '0.log');
  writeFileSync(path, content);
  return fn(path, dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

async function read(path: string, options: StreamCriLogOptions = {}): Promise<string> {
  const chunks: Buffer[] = [];
  await streamCriLog(path, { write: (c) => { chunks.push(Buffer.from(c)); return true; } }, options);
  return Buffer.concat(chunks).toString();
}

describe('CRI log parsing', () => {
  test('parses timestamp, stream, tag and content', () => {
    const r = parseCriLogLine(Buffer.from('2016-10-06T00:17:09.669794202Z stderr P hello world'))!;
    assert.equal(r.timestamp, '2016-10-06T00:17:09.669794202Z');
    assert.equal(r.stream, 'stderr');
    assert.equal(r.partial, true);
    assert.equal(r.content.toString(), 'hello world');
    assert.equal(r.nanos, 1475713029669794202n);
  });

  test('an empty full record is an empty line; malformed lines are rejected', () => {
    assert.equal(parseCriLogLine(Buffer.from('2016-10-06T00:17:09Z stdout F'))!.content.length, 0);
    assert.equal(parseCriLogLine(Buffer.from('2016-10-06T00:17:09Z stdin F x')), undefined);
    assert.equal(parseCriLogLine(Buffer.from('yesterday stdout F x')), undefined);
    assert.equal(parseCriLogLine(Buffer.from('nospaces')), undefined);
  });

  test('timestamps print as Go RFC3339Nano (trailing zeros trimmed) and parse with offsets', () => {
    assert.equal(formatTimestamp('2016-10-06T00:17:11.100000000Z'), '2016-10-06T00:17:11.1Z');
    assert.equal(formatTimestamp('2016-10-06T00:17:11.000000000Z'), '2016-10-06T00:17:11Z');
    assert.equal(formatTimestamp('2016-10-06T00:17:09.669794202+02:00'), '2016-10-06T00:17:09.669794202+02:00');
    assert.equal(parseRfc3339Nanos('2016-10-06T02:17:09+02:00'), parseRfc3339Nanos('2016-10-06T00:17:09Z'));
  });

  test('the formatter joins partial records and prefixes a timestamp only at line starts', () => {
    const f = new CriLogFormatter({ timestamps: true });
    const out = LOG.split('\n').map((l) => parseCriLogLine(Buffer.from(l))).filter((r) => r !== undefined).map((r) => f.format(r).toString()).join('');
    assert.equal(out, [
      '2016-10-06T00:17:09.669794202Z first',
      '2016-10-06T00:17:10Z second',
      '2016-10-06T00:17:11.1Z partial',
      '2016-10-06T00:17:12Z last',
      '',
    ].join('\n'));
  });
});

describe('reading CRI log files', () => {
  test('whole file, stdout and stderr interleaved, malformed lines skipped', () =>
    withLog(LOG, async (path) => assert.equal(await read(path), 'first\nsecond\npartial\nlast\n')));

  test('tailLines counts records from the end (with and without a trailing newline)', () =>
    withLog(LOG, async (path) => {
      assert.equal(await read(path, { tailLines: 1 }), 'last\n');
      assert.equal(await read(path, { tailLines: 2 }), 'last\n', 'the garbage line is a record, like in the kubelet');
      assert.equal(await read(path, { tailLines: 4 }), 'tial\nlast\n', 'a tail may start inside a partial line');
      assert.equal(await read(path, { tailLines: 0 }), '');
      assert.equal(await read(path, { tailLines: 100 }), 'first\nsecond\npartial\nlast\n');
      writeFileSync(path, LOG.trimEnd());
      assert.equal(await read(path, { tailLines: 1 }), 'last\n');
    }));

  test('without follow, a line the container writes during the read is not part of the answer', () =>
    withLog(LOG, async (path) => {
      const chunks: Buffer[] = [];
      const appendWhileReading = (c: Buffer): boolean => {
        chunks.push(Buffer.from(c));
        appendFileSync(path, '2016-10-06T00:17:13Z stdout F later\n');
        return true;
      };
      await streamCriLog(path, { write: appendWhileReading }, { tailLines: 1 });
      assert.equal(Buffer.concat(chunks).toString(), 'last\n');
    }));

  test('tailStartOffset scans backwards across chunk boundaries', () =>
    withLog('', async (path) => {
      const lines = Array.from({ length: 5000 }, (_, i) => `2020-01-01T00:00:00Z stdout F line-${i}-${'x'.repeat(40)}`);
      writeFileSync(path, `${lines.join('\n')}\n`);
      const fd = openSync(path, 'r');
      try {
        const text = `${lines.join('\n')}\n`;
        assert.equal(tailStartOffset(fd, text.length, 3000), text.indexOf(lines[2000]));
      } finally {
        closeSync(fd);
      }
      assert.equal((await read(path, { tailLines: 2 })).split('\n')[0], `line-4998-${'x'.repeat(40)}`);
    }));

  test('sinceNanos drops older records; limitBytes truncates the output', () =>
    withLog(LOG, async (path) => {
      assert.equal(await read(path, { sinceNanos: parseRfc3339Nanos('2016-10-06T00:17:11.2Z') }), 'tial\nlast\n');
      assert.equal(await read(path, { limitBytes: 8 }), 'first\nse');
      assert.equal(await read(path, { limitBytes: 8, timestamps: true }), '2016-10-');
    }));

  test('follow streams appended records until the container stops running', () =>
    withLog('2020-01-01T00:00:00Z stdout F one\n', async (path) => {
      let running = true;
      const chunks: string[] = [];
      const done = streamCriLog(path, { write: (c) => { chunks.push(c.toString()); } }, { follow: true, pollMs: 10, isRunning: async () => running });
      await new Promise((r) => setTimeout(r, 50));
      appendFileSync(path, '2020-01-01T00:00:01Z stdout P tw');
      await new Promise((r) => setTimeout(r, 50));
      appendFileSync(path, 'o-split\n2020-01-01T00:00:01Z stdout F two\n');
      await new Promise((r) => setTimeout(r, 50));
      running = false;
      appendFileSync(path, '2020-01-01T00:00:02Z stdout F three\n');
      await done;
      assert.equal(chunks.join(''), 'one\ntwo-splittwo\nthree\n', 'a record written in two pieces is read whole');
    }));

  test('follow reopens a rotated file and ends on abort', () =>
    withLog('2020-01-01T00:00:00Z stdout F old\n', async (path, dir) => {
      const abort = new AbortController();
      const chunks: string[] = [];
      const done = streamCriLog(path, { write: (c) => { chunks.push(c.toString()); } }, { follow: true, pollMs: 10, signal: abort.signal, isRunning: async () => true });
      await new Promise((r) => setTimeout(r, 50));
      renameSync(path, join(dir, '0.log.1'));
      writeFileSync(path, '2020-01-01T00:00:05Z stdout F new\n');
      await new Promise((r) => setTimeout(r, 100));
      abort.abort();
      await done;
      assert.equal(chunks.join(''), 'old\nnew\n');
    }));

  test('a missing file rejects with ENOENT', async () => {
    await assert.rejects(read('/nonexistent/skiff/0.log'), /ENOENT/);
  });
});
