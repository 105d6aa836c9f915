/**
 * The server's PKI in its data dir, generated on first start and reused afterwards, as k3s does
 * under `server/tls`: a CA, the API server's serving certificate, the admin client certificate and
 * the client certificate the API server presents to kubelets.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import {
  createCa,
  isSignedBy,
  loadSigningCa,
  parseCertificate,
  sanExtension,
  sanKey,
  signLeaf,
  type CertKeyPair,
  type LeafSpec,
  type SigningCa,
} from './certificates.ts';

/** The cluster PKI, every field PEM. Keys are PKCS#8 (`PRIVATE KEY`). */
export interface Pki {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  adminCert: string;
  adminKey: string;
  /** The API server's client certificate towards kubelets (logs, exec, attach, port-forward). */
  kubeletClientCert: string;
  kubeletClientKey: string;
}

/** Extra names the serving certificate must be valid for. Entries are sorted into DNS and IP SANs by shape. */
export interface PkiOptions {
  hostnames: string[];
  ips: string[];
}

/** File names inside the TLS dir. */
export const PKI_FILES = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  serverCert: 'serving.crt',
  serverKey: 'serving.key',
  adminCert: 'client-admin.crt',
  adminKey: 'client-admin.key',
  kubeletClientCert: 'client-kube-apiserver.crt',
  kubeletClientKey: 'client-kube-apiserver.key',
} as const;

/**
 * CN of the API server's kubelet client certificate (kubeadm's apiserver-kubelet-client); the
 * kubelet's HTTPS server admits only this user. O system:masters as in kubeadm.
 */
export const KUBELET_CLIENT_CN = 'kube-apiserver-kubelet-client';

/** k3s: CA certificates last 10 years, leaf certificates 365 days. */
const CA_DAYS = 3650;
const LEAF_DAYS = 365;
/** k3s renews a leaf certificate at startup once it is within 90 days of expiring. */
const RENEW_WITHIN_MS = 90 * 24 * 60 * 60 * 1000;
const CA_PREFIX = 'skiff-server-ca';

/** Names every apiserver serving certificate carries (kube-apiserver's defaults plus localhost). */
const DEFAULT_DNS = ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', 'localhost'];
/** 10.43.0.1 is the `kubernetes` Service's ClusterIP: the first address of the 10.43.0.0/16 service CIDR. */
const DEFAULT_IPS = ['127.0.0.1', '::1', '10.43.0.1'];

/**
 * Loads the PKI from `tlsDir`, creating what is missing. Reuses existing files on restart; issues a
 * new serving certificate when the wanted SAN set differs from the one on disk, and renews any leaf
 * certificate that is within 90 days of expiry or not signed by the current CA. A missing or
 * unreadable CA regenerates everything. Keys are written with mode 0600, atomically (temp + rename).
 */
export async function ensurePki(tlsDir: string, opts: PkiOptions): Promise<Pki> {
  mkdirSync(tlsDir, { recursive: true, mode: 0o700 });
  const now = Date.now();
  let ca = await loadCa(tlsDir);
  const freshCa = !ca;
  if (!ca) {
    const created = await createCa(CA_PREFIX, CA_DAYS, now);
    writePair(tlsDir, PKI_FILES.caCert, PKI_FILES.caKey, created);
    ca = await loadSigningCa(created.cert, created.key);
  }
  const caKey = readFileSync(join(tlsDir, PKI_FILES.caKey), 'utf8');
  const { dnsNames, ips } = servingNames(opts);
  const wantedSans = sanKey(sanExtension(dnsNames, ips));
  const serving = await ensureLeaf(tlsDir, PKI_FILES.serverCert, PKI_FILES.serverKey, ca, freshCa, now, {
    spec: { commonName: 'kube-apiserver', usage: 'server', dnsNames, ips, days: LEAF_DAYS },
    sans: wantedSans,
  });
  const admin = await ensureLeaf(tlsDir, PKI_FILES.adminCert, PKI_FILES.adminKey, ca, freshCa, now, {
    spec: { commonName: 'system:admin', organizations: ['system:masters'], usage: 'client', days: LEAF_DAYS },
  });
  const kubeletClient = await ensureLeaf(tlsDir, PKI_FILES.kubeletClientCert, PKI_FILES.kubeletClientKey, ca, freshCa, now, {
    spec: { commonName: KUBELET_CLIENT_CN, organizations: ['system:masters'], usage: 'client', days: LEAF_DAYS },
  });
  return {
    caCert: ca.certPem, caKey, serverCert: serving.cert, serverKey: serving.key, adminCert: admin.cert, adminKey: admin.key,
    kubeletClientCert: kubeletClient.cert, kubeletClientKey: kubeletClient.key,
  };
}

/**
 * Issues a client certificate (extKeyUsage clientAuth) signed by the cluster CA: CN becomes the
 * Kubernetes username and each organization a group, as the x509 authenticator maps them.
 * Nothing is written to disk. Valid for `days` (default 365).
 */
export async function issueClientCertificate(pki: Pki, commonName: string, organizations: string[], days = LEAF_DAYS): Promise<CertKeyPair> {
  const ca = await loadSigningCa(pki.caCert, pki.caKey);
  return signLeaf(ca, { commonName, organizations, usage: 'client', days });
}

/**
 * Issues a kubelet serving certificate for node `nodeName` (CN `system:node:<name>`, O
 * `system:nodes`, as kubelet serving CSRs name it) valid for the node name and `ips`, signed by
 * the cluster CA. Nothing is written to disk.
 */
export async function issueKubeletServingCertificate(pki: Pki, nodeName: string, ips: string[], days = LEAF_DAYS): Promise<CertKeyPair> {
  const ca = await loadSigningCa(pki.caCert, pki.caKey);
  const dnsNames = [...new Set([nodeName.toLowerCase(), 'localhost'])];
  return signLeaf(ca, { commonName: `system:node:${nodeName}`, organizations: ['system:nodes'], usage: 'server', dnsNames, ips: [...new Set(ips)], days });
}

/** The serving certificate's SANs: the defaults plus the caller's names, deduplicated, each in the right list. */
function servingNames(opts: PkiOptions): { dnsNames: string[]; ips: string[] } {
  const dnsNames = new Set(DEFAULT_DNS);
  const ips = new Set(DEFAULT_IPS);
  for (const name of [...opts.hostnames, ...opts.ips]) {
    const trimmed = name.trim();
    // An unspecified bind address (0.0.0.0, ::) names no host; it cannot be a SAN.
    if (!trimmed || trimmed === '0.0.0.0' || trimmed === '::') continue;
    if (isIP(trimmed)) ips.add(trimmed);
    else dnsNames.add(trimmed.toLowerCase());
  }
  return { dnsNames: [...dnsNames], ips: [...ips] };
}

async function loadCa(tlsDir: string): Promise<SigningCa | undefined> {
  const cert = readIfExists(join(tlsDir, PKI_FILES.caCert));
  const key = readIfExists(join(tlsDir, PKI_FILES.caKey));
  if (cert === undefined || key === undefined) return undefined;
  try {
    return await loadSigningCa(cert, key);
  } catch {
    return undefined;
  }
}

interface LeafWanted {
  spec: LeafSpec;
  /** For serving certificates: the canonical SAN set the certificate must carry. */
  sans?: string;
}

/** Reuses the leaf on disk when still good for this CA, these SANs and 90 more days; else issues and writes a new one. */
async function ensureLeaf(tlsDir: string, certFile: string, keyFile: string, ca: SigningCa, freshCa: boolean, now: number, wanted: LeafWanted): Promise<CertKeyPair> {
  const existing = freshCa ? undefined : await reusableLeaf(tlsDir, certFile, keyFile, ca, now, wanted.sans);
  if (existing) return existing;
  const issued = await signLeaf(ca, wanted.spec, now);
  writePair(tlsDir, certFile, keyFile, issued);
  return issued;
}

async function reusableLeaf(tlsDir: string, certFile: string, keyFile: string, ca: SigningCa, now: number, sans?: string): Promise<CertKeyPair | undefined> {
  const cert = readIfExists(join(tlsDir, certFile));
  const key = readIfExists(join(tlsDir, keyFile));
  if (cert === undefined || key === undefined) return undefined;
  try {
    const parsed = parseCertificate(cert);
    if (parsed.notAfter.getTime() - now < RENEW_WITHIN_MS) return undefined;
    if (sans !== undefined && sanKey(parsed) !== sans) return undefined;
    if (!(await isSignedBy(parsed, ca.cert))) return undefined;
    return { cert, key };
  } catch {
    return undefined;
  }
}

function readIfExists(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/** Writes the certificate (0644) and key (0600), key first, each through a temp file and rename. */
function writePair(dir: string, certFile: string, keyFile: string, pair: CertKeyPair): void {
  writeAtomic(join(dir, keyFile), pair.key, 0o600);
  writeAtomic(join(dir, certFile), pair.cert, 0o644);
}

function writeAtomic(path: string, data: string, mode: number): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data, { mode });
  // writeFileSync's mode is filtered by the umask; set it exactly.
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}
