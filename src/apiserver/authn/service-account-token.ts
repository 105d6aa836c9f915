/**
 * Bound service account tokens, as kube-apiserver issues and checks them
 * (pkg/serviceaccount): RS256 JWTs with Kubernetes' claims (`sub`
 * system:serviceaccount:<ns>:<name>, `kubernetes.io` with the namespace, service account and the
 * pod or secret the token is bound to), signed with the server's service account key. A token
 * authenticates only while it has not expired, names this issuer and one of the API audiences,
 * and its service account and bound object still exist with the same UIDs.
 */
import { createHash, createPrivateKey, createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import { decodeJwt, jwtVerify, SignJWT } from 'jose';
import type { KubeObject } from '../../api/object.ts';
import type { UserInfo } from './authenticate.ts';

/** kube-apiserver's default --service-account-issuer and --api-audiences. */
export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

/** Reads objects the token names from the server's cache (undefined when absent). */
export type ObjectLookup = (resource: 'serviceaccounts' | 'pods' | 'secrets', namespace: string, name: string) => KubeObject | undefined;

/** A bound object reference as it appears in the claims. */
interface Ref {
  name: string;
  uid: string;
}

/** The private `kubernetes.io` claim. */
interface KubernetesClaims {
  namespace: string;
  serviceaccount: Ref;
  pod?: Ref;
  secret?: Ref;
  node?: Ref;
  warnafter?: number;
}

/** What issue() needs: the account, audiences, lifetime and the object the token is bound to. */
export interface IssueRequest {
  serviceAccount: KubeObject;
  audiences: string[];
  expirationSeconds: number;
  pod?: KubeObject;
  secret?: KubeObject;
  /** Seconds after which clients should be warned (the extended-expiration case). */
  warnAfterSeconds?: number;
  now?: number;
}

/** A verified token: who it is, when it stops being valid, and what must still exist. */
interface Verified {
  user: UserInfo;
  expiresAt: number;
  claims: KubernetesClaims;
}

/** Verified tokens kept (signature and claims checked once; existence checked on every use). */
const CACHE_LIMIT = 4096;

/** kid: base64url SHA-256 of the DER public key, as Kubernetes' keyIDFromPublicKey. */
function keyId(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url');
}

function refOf(object: KubeObject): Ref {
  return { name: object.metadata.name ?? '', uid: object.metadata.uid ?? '' };
}

/** Issues and verifies service account tokens for one API server. */
export class ServiceAccountTokens {
  readonly issuer: string;
  readonly audiences: string[];
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  private readonly kid: string;
  private readonly verified = new Map<string, Verified>();

  constructor(
    privateKeyPem: string,
    private readonly lookup: ObjectLookup,
    options: { issuer?: string; audiences?: string[]; now?: () => number } = {},
  ) {
    this.privateKey = createPrivateKey(privateKeyPem);
    this.publicKey = createPublicKey(this.privateKey);
    this.kid = keyId(this.publicKey);
    this.issuer = options.issuer ?? DEFAULT_ISSUER;
    this.audiences = options.audiences ?? [DEFAULT_ISSUER];
    this.now = options.now ?? Date.now;
  }

  private readonly now: () => number;

  /** Signs a token; resolves it with its expiry (epoch ms). */
  async issue(req: IssueRequest): Promise<{ token: string; expiresAt: number }> {
    const now = Math.floor((req.now ?? this.now()) / 1000);
    const sa = req.serviceAccount;
    const ns = sa.metadata.namespace ?? '';
    const claims: KubernetesClaims = { namespace: ns, serviceaccount: refOf(sa) };
    if (req.pod) claims.pod = refOf(req.pod);
    if (req.secret) claims.secret = refOf(req.secret);
    if (req.warnAfterSeconds) claims.warnafter = now + req.warnAfterSeconds;
    const exp = now + req.expirationSeconds;
    const token = await new SignJWT({ 'kubernetes.io': claims })
      .setProtectedHeader({ alg: 'RS256', kid: this.kid })
      .setIssuer(this.issuer)
      .setSubject(`system:serviceaccount:${ns}:${sa.metadata.name ?? ''}`)
      .setAudience(req.audiences)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(exp)
      .setJti(randomUUID())
      .sign(this.privateKey);
    return { token, expiresAt: exp * 1000 };
  }

  /** Whether the bearer token is a JWT from this issuer (else it is not ours to judge). */
  claims(token: string): boolean {
    if (token.split('.').length !== 3) return false;
    try {
      return decodeJwt(token).iss === this.issuer;
    } catch {
      return false;
    }
  }

  /**
   * The user of a token already verified, checked again for expiry and for its service account
   * and bound object still existing; `undefined` when the token has not been verified yet.
   */
  cachedUser(token: string): UserInfo | null | undefined {
    const entry = this.verified.get(token);
    if (!entry) return undefined;
    if (this.now() >= entry.expiresAt) {
      this.verified.delete(token);
      return null;
    }
    return this.stillBound(entry.claims) ? entry.user : null;
  }

  /** Verifies signature, issuer, audience and lifetime, then the bound objects; null when invalid. */
  async authenticate(token: string): Promise<UserInfo | null> {
    const cached = this.cachedUser(token);
    if (cached !== undefined) return cached;
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.publicKey, { issuer: this.issuer, audience: this.audiences, algorithms: ['RS256'], currentDate: new Date(this.now()) }));
    } catch {
      return null;
    }
    const claims = payload['kubernetes.io'] as KubernetesClaims | undefined;
    if (!claims?.namespace || !claims.serviceaccount?.name || typeof payload.exp !== 'number') return null;
    const user = userOf(claims, String(payload.jti ?? ''));
    if (this.verified.size >= CACHE_LIMIT) this.verified.clear();
    this.verified.set(token, { user, expiresAt: payload.exp * 1000, claims });
    return this.stillBound(claims) ? user : null;
  }

  /** The service account and any bound pod or secret exist with the UIDs the token names. */
  private stillBound(claims: KubernetesClaims): boolean {
    const same = (resource: 'serviceaccounts' | 'pods' | 'secrets', ref: Ref | undefined) => {
      if (!ref) return true;
      const object = this.lookup(resource, claims.namespace, ref.name);
      return Boolean(object) && (!ref.uid || object!.metadata.uid === ref.uid);
    };
    return same('serviceaccounts', claims.serviceaccount) && same('pods', claims.pod) && same('secrets', claims.secret);
  }
}

/** user.Info of a service account token (UserInfo in pkg/serviceaccount). */
function userOf(claims: KubernetesClaims, jti: string): UserInfo {
  const extra: Record<string, string[]> = {};
  if (claims.pod) {
    extra['authentication.kubernetes.io/pod-name'] = [claims.pod.name];
    extra['authentication.kubernetes.io/pod-uid'] = [claims.pod.uid];
  }
  if (jti) extra['authentication.kubernetes.io/credential-id'] = [`JTI=${jti}`];
  return {
    username: `system:serviceaccount:${claims.namespace}:${claims.serviceaccount.name}`,
    uid: claims.serviceaccount.uid,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${claims.namespace}`],
    extra,
  };
}
