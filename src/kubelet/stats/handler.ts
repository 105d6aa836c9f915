import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Summary } from '../../api/stats/summary.ts';
import type { SummaryOptions } from './provider.ts';
import { PROMETHEUS_TEXT_TYPE, resourceMetricsText } from './resource-metrics.ts';

/** Anything that can produce a summary (the StatsProvider, or a fixture in tests). */
export interface SummarySource {
  summary(options?: SummaryOptions): Promise<Summary>;
}

/** The paths `statsHandler` serves; the kubelet server routes exactly these to it. */
export const STATS_PATHS: readonly string[] = ['/stats/summary', '/metrics/resource'];

/** An HTTP/1.1 or HTTP/2 (compatibility API) request handler. */
export type StatsHttpHandler = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => Promise<void>;

function send(res: ServerResponse | Http2ServerResponse, code: number, type: string, body: string): void {
  if (res.headersSent) return;
  const bytes = Buffer.from(body);
  res.writeHead(code, { 'content-type': type, 'content-length': bytes.length });
  res.end(bytes);
}

/**
 * The kubelet's stats endpoints over `source`: `GET /stats/summary` (JSON; `?only_cpu_and_memory=true`
 * limits it to CPU and memory, as metrics-server asks) and `GET /metrics/resource` (Prometheus
 * text). A failed summary answers 500 on /stats/summary and `resource_scrape_error 1` on the
 * metrics, as the kubelet does; other paths 404, other methods 405. Never rejects.
 */
export function statsHandler(source: SummarySource): StatsHttpHandler {
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://kubelet');
    if (!STATS_PATHS.includes(url.pathname)) return send(res, 404, 'text/plain; charset=utf-8', '404 page not found\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'Method Not Allowed\n');
    if (url.pathname === '/metrics/resource') {
      const summary = await source.summary({ onlyCpuAndMemory: true }).catch(() => undefined);
      return send(res, 200, PROMETHEUS_TEXT_TYPE, resourceMetricsText(summary));
    }
    try {
      const summary = await source.summary({ onlyCpuAndMemory: url.searchParams.get('only_cpu_and_memory') === 'true' });
      send(res, 200, 'application/json', JSON.stringify(summary));
    } catch (err) {
      send(res, 500, 'text/plain; charset=utf-8', `Internal Error: failed to get node info: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  };
}
