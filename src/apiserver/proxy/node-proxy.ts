/**
 * `nodes/proxy` (Kubernetes' ProxyREST for nodes): `/api/v1/nodes/{name}/proxy/{path}` goes to
 * `https://{kubelet}/{path}` with the query, method and body, and the kubelet's answer streams
 * back with its status and content type (e.g. `kubectl get --raw
 * /api/v1/nodes/n1/proxy/stats/summary`). Importing this module registers the handler.
 */
import { internalError } from '../../api/errors.ts';
import type { HandlerContext } from '../handlers/context.ts';
import { registerSubresource } from '../resource-handler.ts';
import { kubeletRequest, kubeletTlsOptions, relayBody } from './kubelet-http.ts';
import { kubeletError, nodeKubelet } from './kubelet-location.ts';

/** The kubelet path of a nodes/proxy request: whatever follows `/proxy` in the request path ('/' when nothing). */
export function nodeProxyPath(requestUrl: string, nodeName: string): string {
  const url = new URL(requestUrl, 'https://skiff');
  const marker = `/nodes/${encodeURIComponent(nodeName)}/proxy`;
  const at = url.pathname.indexOf(marker);
  const rest = at >= 0 ? url.pathname.slice(at + marker.length) : '';
  return `${rest.startsWith('/') ? rest : `/${rest}`}${url.search}`;
}

async function handleNodeProxy(ctx: HandlerContext): Promise<void> {
  const nodeName = ctx.request.name!;
  const kubelet = await nodeKubelet(ctx.stores, nodeName);
  if (!ctx.kubelet) throw internalError('this API server has no kubelet client credentials');
  const path = nodeProxyPath(ctx.req.url ?? '/', nodeName);
  const abort = new AbortController();
  ctx.res.once('close', () => abort.abort());
  const method = ctx.req.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD' && method !== 'DELETE';
  const contentType = ctx.req.headers['content-type'];
  let upstream;
  try {
    upstream = await kubeletRequest(kubeletTlsOptions(kubelet, ctx.kubelet), method, path, abort.signal, hasBody ? (ctx.req as unknown as NodeJS.ReadableStream) : undefined, contentType ? { 'content-type': String(contentType) } : {});
  } catch (err) {
    throw kubeletError(503, `error trying to reach service: ${(err as Error).message}`);
  }
  ctx.res.writeHead(upstream.statusCode ?? 502, { 'content-type': upstream.headers['content-type'] ?? 'text/plain', 'cache-control': 'no-cache, private' });
  await relayBody(upstream, ctx.res, abort.signal);
}

registerSubresource('nodes', 'proxy', handleNodeProxy);
