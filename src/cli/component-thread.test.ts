import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startComponentThread } from './component-thread.ts';
import type { ComponentSpec } from './components.ts';

const spec = { component: 'controller-manager' } as ComponentSpec;

describe('component thread', () => {
  test('a thread that dies is started again (with a backoff) until stop()', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-thread-'));
    try {
      // A component that says hello and dies at once, as one whose heap ran out would.
      const entry = join(dir, 'dying.mjs');
      writeFileSync(entry, "import { parentPort } from 'node:worker_threads';\nparentPort.postMessage({ type: 'log', msg: 'hello' });\nprocess.exit(3);\n");
      const lines: string[] = [];
      const thread = startComponentThread([spec], (msg) => lines.push(msg), pathToFileURL(entry));
      const deadline = Date.now() + 10_000;
      while (lines.filter((l) => l === 'hello').length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await thread.stop();
      assert.ok(lines.filter((l) => l === 'hello').length >= 2, `started again: ${lines.join(', ')}`);
      assert.ok(lines.includes('controller-manager thread exited; restarting'));
      // Stopped: no further start.
      const count = lines.length;
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(lines.length, count);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
