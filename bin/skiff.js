#!/usr/bin/env node
// Entry point for `npx skiff`. Runs the compiled JavaScript in dist/ (`npm run build`) when that
// build is newer than every source file; otherwise loads the TypeScript sources through tsx, so a
// fresh clone or an edited tree runs without a build step. The compiled form starts faster and
// saves the tsx loader's memory (~35 MiB per process). SKIFF_USE_TSX=1 forces the sources.
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

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

if (buildIsFresh()) {
  await import('../dist/cli/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
