import { StatusError } from '../api/errors.ts';
import { sendJson, sendRaw, type ApiRequest, type ApiResponse } from './http.ts';
import { AGGREGATED_DISCOVERY_TYPE, aggregatedDiscovery, apiGroupDocument, apiGroupList, apiResourceList, apiVersions, wantsAggregated, type ExtraGroup } from './discovery.ts';
import { openApiV2 } from './openapi/v2.ts';
import { openApiV3Document, openApiV3Root } from './openapi/v3.ts';
import type { ApiMetrics } from './metrics.ts';
import { versionInfo } from './version.ts';

interface ReadinessSource {
  isReady(): boolean;
}

function notFound(): StatusError {
  return new StatusError(404, 'NotFound', 'the server could not find the requested resource');
}

function sendText(res: ApiResponse, code: number, text: string): void {
  res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
  res.end(text);
}

/** Documents computed once: discovery and OpenAPI never change while the server runs. */
const memo = new Map<string, string>();
function cached(key: string, build: () => object | undefined): string | undefined {
  let text = memo.get(key);
  if (text === undefined) {
    const value = build();
    if (value === undefined) return undefined;
    memo.set(key, (text = JSON.stringify(value)));
  }
  return text;
}

/**
 * Everything that is not a resource: health (`/healthz`, `/livez`, `/readyz`), `/version`,
 * `/metrics`, discovery and OpenAPI. `extraGroups` are listed in discovery besides the stored
 * resources' groups (metrics.k8s.io when the server has a kubelet stats source).
 */
export async function serveNonResource(server: ReadinessSource, req: ApiRequest, res: ApiResponse, url: Pick<URL, 'pathname'>, metrics?: ApiMetrics, extraGroups: readonly ExtraGroup[] = []): Promise<void> {
  const path = url.pathname.replace(/\/+$/, '') || '/';
  // Discovery documents differ with the extra groups, so they are memoized per set of groups.
  const variant = extraGroups.map((g) => `+${g.group}/${g.version}`).join('');
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  switch (path) {
    case '/healthz':
    case '/livez':
      return sendText(res, 200, 'ok');
    case '/readyz':
      return server.isReady() ? sendText(res, 200, 'ok') : sendText(res, 503, '[-]informer-sync failed: not ready\nreadyz check failed');
    case '/version':
      return sendJson(res, 200, versionInfo());
    case '/metrics': {
      if (!metrics) throw notFound();
      const { contentType, body } = await metrics.text();
      return sendRaw(res, 200, body, contentType);
    }
    case '/api':
    case '/apis': {
      const legacy = path === '/api';
      if (wantsAggregated(req.headers.accept)) {
        return sendRaw(res, 200, cached(`agg${path}${variant}`, () => aggregatedDiscovery(legacy, extraGroups))!, AGGREGATED_DISCOVERY_TYPE);
      }
      const host = String(req.headers[':authority'] ?? req.headers.host ?? '127.0.0.1:6443');
      return sendJson(res, 200, legacy ? apiVersions(host) : JSON.parse(cached(`/apis${variant}`, () => apiGroupList(extraGroups))!));
    }
    case '/openapi/v2':
      return sendRaw(res, 200, cached(path, openApiV2)!);
    case '/openapi/v3':
      return sendRaw(res, 200, cached(path, openApiV3Root)!);
  }
  if (path.startsWith('/openapi/v3/')) {
    const doc = cached(path, () => openApiV3Document(path.slice('/openapi/v3/'.length)));
    if (!doc) throw notFound();
    return sendRaw(res, 200, doc);
  }
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'api' && parts.length === 2) {
    const doc = cached(path, () => apiResourceList('', parts[1]));
    if (doc) return sendRaw(res, 200, doc);
  }
  if (parts[0] === 'apis' && parts.length === 2) {
    const doc = cached(path + variant, () => apiGroupDocument(parts[1], extraGroups));
    if (doc) return sendRaw(res, 200, doc);
  }
  if (parts[0] === 'apis' && parts.length === 3) {
    const doc = cached(path + variant, () => apiResourceList(parts[1], parts[2], extraGroups));
    if (doc) return sendRaw(res, 200, doc);
  }
  throw notFound();
}
