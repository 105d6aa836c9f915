/**
 * The `serviceaccounts/token` subresource (Kubernetes' TokenREST,
 * pkg/registry/core/serviceaccount/storage/token.go): POSTing an authentication.k8s.io/v1
 * TokenRequest returns it with status.token, a JWT for the service account bound to the optional
 * Pod or Secret, and status.expirationTimestamp. Importing this module registers the handler.
 */
import { StatusError, badRequest, conflict, invalid, methodNotAllowed } from '../../api/errors.ts';
import { nowTimestamp, type KubeObject } from '../../api/object.ts';
import { invalid as invalidField } from '../../api/validation/field-errors.ts';
import type { HandlerContext } from '../handlers/context.ts';
import { checkObject, readJsonBody } from '../handlers/decode.ts';
import { isDryRun } from '../handlers/context.ts';
import { sendJson } from '../http.ts';
import { registerSubresource } from '../resource-handler.ts';

/** Shortest and longest lifetimes a TokenRequest may ask for (ValidateTokenRequest). */
const MIN_EXPIRATION_SECONDS = 600;
const MAX_EXPIRATION_SECONDS = 2 ** 32;
const DEFAULT_EXPIRATION_SECONDS = 3600;
/**
 * The lifetime the ServiceAccount admission puts in kube-api-access volumes. With
 * --service-account-extend-token-expiration (on by default) such pod-bound tokens for the API's
 * own audience are valid for a year but report 3607 s, and carry `warnafter` at 3607 s.
 */
export const WARN_ONLY_EXPIRATION_SECONDS = 3607;
const EXTENDED_EXPIRATION_SECONDS = 365 * 24 * 60 * 60;

interface TokenRequest extends KubeObject {
  spec?: {
    audiences?: string[] | null;
    expirationSeconds?: number | null;
    boundObjectRef?: { kind?: string; apiVersion?: string; name?: string; uid?: string } | null;
  };
}

function validate(req: TokenRequest): void {
  const exp = req.spec?.expirationSeconds;
  if (exp === undefined || exp === null) return;
  const detail = exp < MIN_EXPIRATION_SECONDS ? 'may not specify a duration less than 10 minutes' : exp > MAX_EXPIRATION_SECONDS ? 'may not specify a duration larger than 2^32 seconds' : undefined;
  if (detail) throw invalid('TokenRequest', 'authentication.k8s.io', '', [invalidField('spec.expirationSeconds', exp, detail)]);
}

/** The object the token is bound to, checked against its reference (kind, service account, uid). */
async function boundObject(ctx: HandlerContext, req: TokenRequest, saName: string): Promise<{ pod?: KubeObject; secret?: KubeObject }> {
  const ref = req.spec?.boundObjectRef;
  if (!ref) return {};
  const apiVersion = ref.apiVersion ?? '';
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const kind = ref.kind ?? '';
  const ns = ctx.request.namespace;
  let object: KubeObject;
  if (group === '' && kind === 'Pod') {
    object = (await ctx.stores.byResource('', 'pods')!.get(ns, ref.name ?? '')).object;
    const podSa = (object.spec as { serviceAccountName?: string } | undefined)?.serviceAccountName;
    if (podSa !== saName) throw badRequest(`cannot bind token for serviceaccount "${saName}" to pod running with different serviceaccount name.`);
  } else if (group === '' && kind === 'Secret') {
    object = (await ctx.stores.byResource('', 'secrets')!.get(ns, ref.name ?? '')).object;
  } else {
    throw badRequest(`cannot bind token to object of type ${group}/${version}, Kind=${kind}`);
  }
  if (ref.uid && ref.uid !== object.metadata.uid) {
    throw conflict(kind, group, ref.name ?? '', `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
  }
  return kind === 'Pod' ? { pod: object } : { secret: object };
}

/**
 * POST serviceaccounts/NAME/token. Defaults expirationSeconds to 3600 and audiences to the API
 * server's; answers 201 with the TokenRequest and its status.
 */
export async function handleTokenRequest(ctx: HandlerContext): Promise<void> {
  if (ctx.request.verb !== 'create') throw methodNotAllowed();
  const tokens = ctx.serviceAccountTokens;
  if (!tokens) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
  const body = checkObject(ctx, await readJsonBody(ctx), 'TokenRequest', 'authentication.k8s.io/v1', 'AuthenticationV1TokenRequest') as TokenRequest;
  const ns = ctx.request.namespace;
  const name = ctx.request.name!;
  if (body.metadata.name && body.metadata.name !== name) throw badRequest(`name mismatch, expected ${name}, got ${body.metadata.name}`);
  validate(body);
  const serviceAccount = (await ctx.store.get(ns, name)).object;
  const { pod, secret } = await boundObject(ctx, body, name);
  const audiences = body.spec?.audiences?.length ? body.spec.audiences : tokens.audiences;
  const expirationSeconds = body.spec?.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
  const now = Date.now();
  const extend = pod && expirationSeconds === WARN_ONLY_EXPIRATION_SECONDS && audiences.some((a) => tokens.audiences.includes(a));
  const issued = isDryRun(ctx.query)
    ? { token: '' }
    : await tokens.issue({ serviceAccount, audiences, expirationSeconds: extend ? EXTENDED_EXPIRATION_SECONDS : expirationSeconds, pod, secret, warnAfterSeconds: extend ? expirationSeconds : undefined, now });
  sendJson(ctx.res, 201, {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name, namespace: ns, creationTimestamp: nowTimestamp(new Date(now)) },
    spec: { ...body.spec, audiences, expirationSeconds, boundObjectRef: body.spec?.boundObjectRef ?? null },
    // The status reports the requested lifetime even when the token itself was extended.
    status: { token: issued.token, expirationTimestamp: nowTimestamp(new Date(now + expirationSeconds * 1000)) },
  });
}

registerSubresource('serviceaccounts', 'token', handleTokenRequest);
