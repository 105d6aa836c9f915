/**
 * The `pods/log` subresource (Kubernetes' LogREST): validates PodLogOptions, resolves the
 * container and the pod's kubelet, and streams the kubelet's `/containerLogs` answer to the
 * client as text/plain (chunk by chunk, so `follow` delivers lines as they are written).
 * Importing this module registers the handler with the resource router.
 */
import type { IncomingMessage } from 'node:http';
import { badRequest, invalid, methodNotAllowed, type StatusCause } from '../../api/errors.ts';
import type { HandlerContext } from '../handlers/context.ts';
import { registerSubresource } from '../resource-handler.ts';
import { kubeletRequest, kubeletTlsOptions, readText, relayBody } from './kubelet-http.ts';
import { getPod, kubeletError, kubeletFor, resolveContainer } from './kubelet-location.ts';

const BOOLEAN_PARAMS = ['follow', 'previous', 'timestamps'] as const;
const INTEGER_PARAMS = ['tailLines', 'limitBytes', 'sinceSeconds'] as const;

/** Go's ParseBool, which the query decoder applies to boolean PodLogOptions fields. */
function parseBool(name: string, raw: string): boolean {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(raw)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False', ''].includes(raw)) return false;
  throw badRequest(`invalid value for ${name}: strconv.ParseBool: parsing ${JSON.stringify(raw)}: invalid syntax`);
}

/**
 * The query the kubelet gets for a pods/log request: PodLogOptions checked as
 * ValidatePodLogOptions does (422 Invalid PodLogOptions with the field causes; 400 for values that
 * do not parse).
 */
export function kubeletLogQuery(query: URLSearchParams, podName: string): URLSearchParams {
  const out = new URLSearchParams();
  for (const name of BOOLEAN_PARAMS) {
    const raw = query.get(name);
    if (raw !== null && parseBool(name, raw)) out.set(name, 'true');
  }
  const causes: StatusCause[] = [];
  const ints: Partial<Record<(typeof INTEGER_PARAMS)[number], number>> = {};
  for (const name of INTEGER_PARAMS) {
    const raw = query.get(name);
    if (raw === null || raw === '') continue;
    if (!/^-?\d+$/.test(raw)) throw badRequest(`invalid value for ${name}: strconv.ParseInt: parsing ${JSON.stringify(raw)}: invalid syntax`);
    ints[name] = Number(raw);
    out.set(name, raw);
  }
  if (ints.tailLines !== undefined && ints.tailLines < 0) causes.push({ reason: 'FieldValueInvalid', field: 'tailLines', message: `Invalid value: ${ints.tailLines}: must be greater than or equal to 0` });
  if (ints.limitBytes !== undefined && ints.limitBytes < 1) causes.push({ reason: 'FieldValueInvalid', field: 'limitBytes', message: `Invalid value: ${ints.limitBytes}: must be greater than 0` });
  const sinceTime = query.get('sinceTime');
  if (sinceTime) {
    if (Number.isNaN(Date.parse(sinceTime))) throw badRequest(`invalid value for sinceTime: parsing time ${JSON.stringify(sinceTime)} as RFC3339`);
    out.set('sinceTime', sinceTime);
  }
  if (ints.sinceSeconds !== undefined && sinceTime) causes.push({ reason: 'FieldValueForbidden', field: '', message: 'at most one of `sinceTime` or `sinceSeconds` may be specified' });
  if (ints.sinceSeconds !== undefined && ints.sinceSeconds < 1) causes.push({ reason: 'FieldValueInvalid', field: 'sinceSeconds', message: `Invalid value: ${ints.sinceSeconds}: must be greater than 0` });
  if (causes.length) throw invalid('PodLogOptions', '', podName, causes);
  return out;
}

/** GET pods/log: see the module comment. */
export async function handlePodLog(ctx: HandlerContext): Promise<void> {
  if (ctx.request.verb !== 'get') throw methodNotAllowed();
  const namespace = ctx.request.namespace ?? 'default';
  const podName = ctx.request.name!;
  const pod = await getPod(ctx.stores, namespace, podName);
  const container = resolveContainer(pod, ctx.query.get('container'));
  const query = kubeletLogQuery(ctx.query, podName);
  const kubelet = await kubeletFor(ctx.stores, pod);
  // An unscheduled pod has no logs yet: Kubernetes answers an empty stream.
  if (!kubelet) {
    ctx.res.writeHead(200, { 'content-type': 'text/plain' });
    ctx.res.end();
    return;
  }
  if (!ctx.kubelet) throw badRequest('this API server has no kubelet client credentials');
  const abort = new AbortController();
  ctx.res.once('close', () => abort.abort());
  const path = `/containerLogs/${encodeURIComponent(namespace)}/${encodeURIComponent(podName)}/${encodeURIComponent(container)}${query.size ? `?${query}` : ''}`;
  const insecure = parseBool('insecureSkipTLSVerifyBackend', ctx.query.get('insecureSkipTLSVerifyBackend') ?? '');
  let upstream: IncomingMessage;
  try {
    upstream = await kubeletRequest(kubeletTlsOptions(kubelet, ctx.kubelet, insecure), 'GET', path, abort.signal);
  } catch (err) {
    throw kubeletError(500, `Get "https://${kubelet.host}:${kubelet.port}${path}": ${(err as Error).message}`);
  }
  if (upstream.statusCode !== 200) throw kubeletError(upstream.statusCode ?? 500, await readText(upstream));
  ctx.res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-cache, private' });
  await relayBody(upstream, ctx.res, abort.signal);
}

registerSubresource('pods', 'log', handlePodLog);
