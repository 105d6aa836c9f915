#!/usr/bin/env node
// Entry point for `npx skiff`. Runs the compiled JavaScript in dist/ (`npm run build`) when that
// build is newer than every source file; otherwise loads the TypeScript sources through tsx, so a
// fresh clone or an edited tree runs without a build step. The compiled form starts faster and
// saves the tsx loader's memory (~35 MiB per process). SKIFF_USE_TSX=1 forces the sources.
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';

const root = fileURLToPath(new URL('..', import.meta.url));

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function buildIsFresh() {
  if (process.env.SKIFF_USE_TSX === '1') return false;
  try {
    return statSync(join(root, 'dist/.build-stamp')).mtimeMs >= newestMtime(join(root, 'src'));
  } catch {
    return false;
  }
}

/**
 * V8 settings of a real node agent (`skiff agent` without --simulate), set before any of its code
 * loads: they trade JavaScript speed a node does not need for memory it is short of (issue 4: 60 MB
 * plus 1 MB per pod; a pod start spends ~45 ms in JavaScript, the rest in containerd).
 * - young generation kept at its initial 1 MiB semi-spaces (as `--max-semi-space-size=1`); left
 *   alone it grows to 16 MiB under the pod workers' steady allocation;
 * - no optimizing (TurboFan; also Maglev, which later Node versions turn on) or baseline
 *   (Sparkplug) compiler: code stays bytecode, and the node binary's pages holding those compilers
 *   are never touched (3.5 MiB of RSS; set once the agent's modules have loaded, they already are);
 *   keeping Sparkplug was measured (docs/benchmarks.md, node4): 0.6-1.5 MiB more, no faster pod start;
 * - optimize for size: heap growing and garbage collection favour a small heap.
 * They are V8 flags read at run time, so no second process with a different command line is needed.
 * The server and hollow nodes (--simulate) keep V8's defaults: they do far more JavaScript work.
 */
const NODE_AGENT_V8_FLAGS = ['--semi-space-growth-factor=1', '--no-turbofan', '--no-maglev', '--no-sparkplug', '--optimize-for-size'];

function isRealNodeAgent(argv) {
  return argv[2] === 'agent' && !argv.some((a) => a === '--simulate' || a.startsWith('--simulate='));
}

if (isRealNodeAgent(process.argv)) for (const flag of NODE_AGENT_V8_FLAGS) setFlagsFromString(flag);

if (buildIsFresh()) {
  await import('../dist/cli/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
