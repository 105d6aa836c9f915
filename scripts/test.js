#!/usr/bin/env node
// Runs every *.test.ts under src/, test/ and bench/ with node's test runner through tsx.
// Node 20's `--test` does not expand globs, so the file list is gathered here.
// SKIFF_TEST_FILTER=substring narrows the run (for development only; CI runs everything).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function collect(dir, out) {
  let entries;
  try { entries = readdirSync(dir); } catch { return out; }
  for (const name of entries) {
    const path = join(dir, name);
    if (name === 'node_modules') continue;
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const filter = process.env.SKIFF_TEST_FILTER ?? process.argv[2] ?? '';
const files = [...collect('src', []), ...collect('test', []), ...collect('bench', [])].filter((f) => f.includes(filter)).sort();
if (files.length === 0) {
  console.error(`no test files match ${JSON.stringify(filter)}`);
  process.exit(1);
}
const concurrency = process.env.SKIFF_TEST_CONCURRENCY ?? '2';
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
