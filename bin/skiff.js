#!/usr/bin/env node
// Entry point for `npx skiff`: loads the TypeScript sources through tsx's loader, so the repo runs
// straight from a clone after `npm ci` with no separate build step.
import { register } from 'tsx/esm/api';
register();
await import('../src/cli/main.ts');
