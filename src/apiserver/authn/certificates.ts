/**
 * X.509 primitives for the cluster PKI: ECDSA P-256 keys (what k3s generates), a self-signed CA and
 * leaf certificates signed by it, all as PEM. Built on `@peculiar/x509` over node's WebCrypto.
 */
// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

type WebCrypto = Parameters<typeof x509.cryptoProvider.set>[0];
type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
x509.cryptoProvider.set(webcrypto as unknown as WebCrypto);

/** ECDSA over P-256 signed with SHA-256: k3s' default key type, which node's TLS accepts. */
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;

/** A certificate and its private key, both PEM (key as PKCS#8 `PRIVATE KEY`). */
export interface CertKeyPair {
  cert: string;
  key: string;
}

/** What a leaf certificate is for: TLS serving (`serverAuth`) or client authentication (`clientAuth`). */
export type CertUsage = 'server' | 'client';

/** Subject and extensions of a leaf certificate. */
export interface LeafSpec {
  commonName: string;
  organizations?: string[];
  usage: CertUsage;
  /** Subject alternative names; only meaningful for serving certificates. */
  dnsNames?: string[];
  ips?: string[];
  days: number;
}

/** A CA able to sign: its certificate (PEM and parsed) and its private signing key. */
export interface SigningCa {
  certPem: string;
  cert: x509.X509Certificate;
  key: CryptoKey;
}

/** A subject as a name list: organizations before the common name, the order Go's pkix writes. */
function subjectName(commonName: string, organizations: string[] = []): x509.JsonName {
  return [...organizations.map((o) => ({ O: [o] })), { CN: [commonName] }];
}

/**
 * A random positive 128-bit serial number. The first byte is kept in 0x01..0x7f so the DER
 * INTEGER is positive and minimally encoded, as RFC 5280 requires.
 */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) | 0x01;
  return bytes.toString('hex');
}

/** Whole seconds: X.509 times carry no fractions, and round-tripping must compare equal. */
function wholeSeconds(ms: number): Date {
  return new Date(Math.floor(ms / 1000) * 1000);
}

async function generateKeyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

/** Imports a PKCS#8 PEM ECDSA P-256 private key for signing. Throws if the PEM is not one. */
export async function importSigningKey(pem: string): Promise<CryptoKey> {
  const der = x509.PemConverter.decodeFirst(pem);
  return (await webcrypto.subtle.importKey('pkcs8', der, ALGORITHM, false, ['sign'])) as CryptoKey;
}

/** Parses a PEM certificate. Throws on malformed input. */
export function parseCertificate(pem: string): x509.X509Certificate {
  return new x509.X509Certificate(pem);
}

/**
 * Creates a self-signed CA like k3s' `k3s-server-ca@<unix time>`: CN `<prefix>@<unix seconds>`,
 * basicConstraints CA (critical), keyUsage digitalSignature|keyEncipherment|keyCertSign (critical,
 * as client-go's NewSelfSignedCACert sets), and a subject key identifier.
 */
export async function createCa(prefix: string, days: number, now = Date.now()): Promise<CertKeyPair> {
  const keys = await generateKeyPair();
  const usages = x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.keyCertSign;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: subjectName(`${prefix}@${Math.floor(now / 1000)}`),
    notBefore: wholeSeconds(now),
    notAfter: wholeSeconds(now + days * DAY_MS),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(usages, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: await exportKeyPem(keys.privateKey) };
}

/** Loads a CA from PEM so it can sign. Throws if either PEM is malformed. */
export async function loadSigningCa(certPem: string, keyPem: string): Promise<SigningCa> {
  return { certPem, cert: parseCertificate(certPem), key: await importSigningKey(keyPem) };
}

/** The subject alternative name extension for the given DNS names and IP addresses. */
export function sanExtension(dnsNames: string[], ips: string[]): x509.SubjectAlternativeNameExtension {
  return new x509.SubjectAlternativeNameExtension([
    ...dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...ips.map((value) => ({ type: 'ip' as const, value })),
  ]);
}

/**
 * The SANs of a certificate (or of an extension) as a sorted `type:value` list in the library's
 * canonical spelling (`::1`, not `0:0:0:0:0:0:0:1`), so two SAN sets compare with string equality.
 */
export function sanKey(source: x509.X509Certificate | x509.SubjectAlternativeNameExtension): string {
  const ext = source instanceof x509.X509Certificate ? source.getExtension(x509.SubjectAlternativeNameExtension) : source;
  if (!ext) return '';
  return ext.names
    .toJSON()
    .map((n) => `${n.type}:${n.value}`)
    .sort()
    .join(',');
}

/**
 * Issues a leaf certificate with a fresh key, signed by `ca`. Like client-go's NewSignedCert:
 * notBefore is the CA's notBefore (tolerates clock skew between nodes), keyUsage
 * digitalSignature|keyEncipherment (critical), extKeyUsage serverAuth or clientAuth, and an
 * authority key identifier pointing at the CA.
 */
export async function signLeaf(ca: SigningCa, spec: LeafSpec, now = Date.now()): Promise<CertKeyPair> {
  const keys = await generateKeyPair();
  const usage = spec.usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension([usage]),
    await x509.AuthorityKeyIdentifierExtension.create(ca.cert.publicKey),
  ];
  if (spec.dnsNames?.length || spec.ips?.length) extensions.push(sanExtension(spec.dnsNames ?? [], spec.ips ?? []));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: subjectName(spec.commonName, spec.organizations),
    issuer: ca.cert.subjectName,
    notBefore: ca.cert.notBefore,
    notAfter: wholeSeconds(now + spec.days * DAY_MS),
    publicKey: keys.publicKey,
    signingKey: ca.key,
    signingAlgorithm: ALGORITHM,
    extensions,
  });
  return { cert: cert.toString('pem'), key: await exportKeyPem(keys.privateKey) };
}

/** True when `cert` carries a valid signature by `ca`'s key. */
export async function isSignedBy(cert: x509.X509Certificate, ca: x509.X509Certificate): Promise<boolean> {
  try {
    return await cert.verify({ publicKey: ca.publicKey, signatureOnly: true });
  } catch {
    return false;
  }
}
