// Entry of skiff's worker threads: loader hooks are per thread, so each thread registers tsx's
// (as bin/skiff.js does for the main thread) before importing the TypeScript module it runs.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.module);
