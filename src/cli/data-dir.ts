import { homedir } from 'node:os';
import { join } from 'node:path';

/** Default data dir as k3s picks it: /var/lib/skiff for root, ~/.skiff otherwise. */
export function defaultDataDir(): string {
  return process.getuid?.() === 0 ? '/var/lib/skiff' : join(homedir(), '.skiff');
}
