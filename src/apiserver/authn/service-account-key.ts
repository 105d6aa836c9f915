/**
 * The key pair that signs service account tokens, kept like k3s's `server/tls/service.key`:
 * generated on first start (RSA 2048, PKCS#8 PEM, mode 0600) and reused afterwards, so tokens
 * survive restarts and every server sharing the data dir verifies the others' tokens.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';

/** File name inside the TLS dir (k3s's name). */
export const SERVICE_ACCOUNT_KEY_FILE = 'service.key';

/** Loads the signing key from `tlsDir`, creating it when missing; resolves its PEM. */
export function ensureServiceAccountKey(tlsDir: string): string {
  const path = join(tlsDir, SERVICE_ACCOUNT_KEY_FILE);
  if (existsSync(path)) {
    const pem = readFileSync(path, 'utf8');
    createPrivateKey(pem); // fail at start, not at the first token, on a damaged file
    return pem;
  }
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  // Written aside and renamed: a crash never leaves a half-written key behind.
  writeFileSync(`${path}.tmp`, pem, { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
  return pem;
}
