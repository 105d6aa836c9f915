/**
 * Request authentication as kube-apiserver does it: an x509 client certificate verified against the
 * cluster CA (CN is the username, each O a group), else a bearer token from a static token table
 * or a service account token (JWT), else anonymous. Presented credentials that do not verify are refused with 401 unless another
 * credential verifies, not downgraded to anonymous (Kubernetes' union authenticator fails on error
 * before its anonymous fallback).
 */
import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { StatusError } from '../../api/errors.ts';
import type { ServiceAccountTokens } from './service-account-token.ts';

/** The authenticated user, as Kubernetes' user.Info: name, groups and an optional uid. */
export interface UserInfo {
  username: string;
  groups: string[];
  uid?: string;
  /** user.Info's extra attributes (service account tokens carry the pod and credential id). */
  extra?: Record<string, string[]>;
}

/** Options: the static bearer token table (token -> user), like kube-apiserver's --token-auth-file. */
export interface AuthenticatorOptions {
  tokens?: Map<string, UserInfo>;
}

/** Every authenticated user belongs to this group (Kubernetes' AuthenticatedGroupAdder). */
const AUTHENTICATED_GROUP = 'system:authenticated';

/** extKeyUsage id-kp-clientAuth. */
const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';

/** What a socket's client certificate resolved to; cached per TLS connection. */
type CertResult = UserInfo | StatusError | null;

/** kube-apiserver's message for any failed authentication; the details go only to its log. */
function unauthorized(): StatusError {
  return new StatusError(401, 'Unauthorized', 'Unauthorized');
}

/** The user with `system:authenticated` added once, as the authenticated group adder does. */
function withAuthenticatedGroup(user: UserInfo): UserInfo {
  if (user.groups.includes(AUTHENTICATED_GROUP)) return user;
  return { ...user, groups: [...user.groups, AUTHENTICATED_GROUP] };
}

/** A certificate subject field is a string, or an array when the attribute repeats (several O). */
function subjectValues(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** The TLS connection a request arrived on: the session's socket for HTTP/2, the request's for HTTP/1.1. */
function tlsSocket(req: Http2ServerRequest | IncomingMessage): TLSSocket | undefined {
  const stream = (req as Http2ServerRequest).stream;
  // Http2ServerRequest.socket is a new proxy per stream; the session's socket proxy is stable per
  // connection, which makes it a good cache key.
  const socket = (stream?.session?.socket ?? req.socket) as Partial<TLSSocket> | undefined;
  // A property read, not `in`: the HTTP/2 socket proxy forwards gets to the TLS socket but not `has`.
  return typeof socket?.getPeerCertificate === 'function' ? (socket as TLSSocket) : undefined;
}

/**
 * Authenticates API requests. One instance serves a whole server; it keeps a per-connection cache
 * of certificate identities so the peer certificate is decoded once per TLS connection, not per
 * request.
 */
export class Authenticator {
  private readonly tokens: Map<string, UserInfo>;
  private readonly byConnection = new WeakMap<object, CertResult>();
  private serviceAccounts?: ServiceAccountTokens;

  constructor(options: AuthenticatorOptions) {
    this.tokens = new Map();
    for (const [token, user] of options.tokens ?? []) this.tokens.set(token, withAuthenticatedGroup(user));
  }

  /**
   * Returns the user a request authenticates as, or `undefined` for an anonymous request (no
   * client certificate and no bearer token). A verified client certificate wins over a token, as
   * in kube-apiserver's authenticator order. Throws a 401 Unauthorized `StatusError` when
   * credentials were presented, none verified and at least one failed: a client certificate not
   * signed by the server's CA (the TLS server must be configured with `ca`, `requestCert: true`
   * and `rejectUnauthorized: false`), or a bearer token missing from the table. The answer is a
   * Promise only for a service account token seen for the first time (its signature check is
   * asynchronous; a rejected token rejects the Promise with the 401).
   */
  authenticate(req: Http2ServerRequest | IncomingMessage): UserInfo | undefined | Promise<UserInfo | undefined> {
    const fromCert = this.fromCertificate(req);
    if (fromCert && !(fromCert instanceof StatusError)) return fromCert;
    const fromToken = this.fromBearer(req.headers.authorization);
    if (fromToken instanceof Promise) return fromToken.then((user) => user ?? Promise.reject(fromCert ?? unauthorized()));
    if (fromToken && !(fromToken instanceof StatusError)) return fromToken;
    // Kubernetes tries every authenticator and fails only if none succeeded and one of them erred.
    const failure = fromCert ?? fromToken;
    if (failure) throw failure;
    return undefined;
  }

  /** Also accepts service account tokens (JWTs) issued by `tokens`. */
  useServiceAccountTokens(tokens: ServiceAccountTokens): void {
    this.serviceAccounts = tokens;
  }

  /** Adds or replaces a token (e.g. a bootstrap token created at runtime). */
  addToken(token: string, user: UserInfo): void {
    this.tokens.set(token, withAuthenticatedGroup(user));
  }

  private fromCertificate(req: Http2ServerRequest | IncomingMessage): CertResult {
    const socket = tlsSocket(req);
    if (!socket) return null;
    const cached = this.byConnection.get(socket);
    if (cached !== undefined) return cached;
    const result = certificateUser(socket);
    this.byConnection.set(socket, result);
    return result;
  }

  /**
   * Kubernetes' bearer token authenticator: the scheme is matched case-insensitively and the token
   * is the second space-separated field. No header, another scheme (Basic) or an empty token is no
   * claim at all (null); a token missing from the table is an error (401) unless it is a service
   * account token of this server, verified (asynchronously the first time) instead.
   */
  private fromBearer(header: string | undefined): UserInfo | StatusError | null | Promise<UserInfo | null> {
    if (header === undefined) return null;
    const parts = header.trim().split(' ');
    if (parts.length < 2 || parts[0].toLowerCase() !== 'bearer' || parts[1] === '') return null;
    const token = parts[1];
    const known = this.tokens.get(token);
    if (known) return known;
    const accounts = this.serviceAccounts;
    if (!accounts?.claims(token)) return unauthorized();
    const cached = accounts.cachedUser(token);
    if (cached !== undefined) return cached ? withAuthenticatedGroup(cached) : unauthorized();
    return accounts.authenticate(token).then((user) => (user ? withAuthenticatedGroup(user) : null));
  }
}

/** Maps a TLS connection's client certificate to a user: CN is the username, O the groups. */
function certificateUser(socket: TLSSocket): CertResult {
  let peer: PeerCertificate;
  try {
    peer = socket.getPeerCertificate();
  } catch {
    return null;
  }
  // No certificate presented: getPeerCertificate returns an empty object.
  if (!peer || !peer.subject) return null;
  // Presented but not verified against the CA: kube-apiserver's x509 authenticator fails the request.
  if (!socket.authorized) return unauthorized();
  // Kubernetes verifies with KeyUsages: [ClientAuth]; a certificate without extKeyUsage allows any use.
  if (peer.ext_key_usage && !peer.ext_key_usage.includes(CLIENT_AUTH_OID)) return unauthorized();
  const username = subjectValues(peer.subject.CN)[0];
  // Kubernetes' CommonNameUserConversion: no CN is no claim (the request may still be anonymous).
  if (!username) return null;
  return withAuthenticatedGroup({ username, groups: subjectValues(peer.subject.O) });
}
