#!/usr/bin/env node
// Compiles src/ into dist/ (tsc with `.ts` imports rewritten to `.js`) and copies the non-TypeScript
// files the code loads at run time, then writes dist/.build-stamp. bin/skiff.js runs dist/ only
// while that stamp is newer than every file under src/, so an edited tree falls back to tsx and a
// stale build never runs.
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');

/** Run-time assets: files under src/ that are neither TypeScript nor test data. */
function isAsset(path) {
  if (path.endsWith('.ts') || path.includes('/fixtures/')) return false;
  return path.endsWith('.proto') || path.endsWith('.js') || path.endsWith('.json');
}

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else yield path;
  }
}

rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], {
  stdio: 'inherit',
});
for (const path of walk(src)) {
  if (!isAsset(path)) continue;
  const target = join(dist, relative(src, path));
  mkdirSync(dirname(target), { recursive: true });
  cpSync(path, target);
}
writeFileSync(join(dist, '.build-stamp'), `${new Date().toISOString()}\n`);
