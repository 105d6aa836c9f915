import type { IncomingMessage, ServerResponse } from 'node:http';
import { once } from 'node:events';
import { parseRfc3339Nanos, streamCriLog, type CriLogOptions } from './cri-log.ts';
import { KubeletRequestError, resolveDep, type KubeletServerDeps } from './deps.ts';
import { queryBool } from './query-params.ts';

/** PodLogOptions as the kubelet reads them from the query of `/containerLogs/...`. */
export interface ContainerLogQuery extends CriLogOptions {
  follow: boolean;
  previous: boolean;
}

function nonNegativeInt(query: URLSearchParams, name: string, min: number): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new KubeletRequestError(400, `invalid value for ${name}: ${JSON.stringify(raw)}`);
  if (value < min) throw new KubeletRequestError(400, `${name}: Invalid value: ${value}: must be greater than ${min === 0 ? 'or equal to 0' : '0'}`);
  return value;
}

/**
 * Reads follow, previous, timestamps, tailLines, limitBytes, sinceSeconds and sinceTime
 * (RFC 3339) from a containerLogs query; malformed values answer 400 as the kubelet's validation does.
 */
export function containerLogOptions(query: URLSearchParams, now = Date.now()): ContainerLogQuery {
  const options: ContainerLogQuery = { follow: queryBool(query, 'follow'), previous: queryBool(query, 'previous'), timestamps: queryBool(query, 'timestamps') };
  options.tailLines = nonNegativeInt(query, 'tailLines', 0);
  options.limitBytes = nonNegativeInt(query, 'limitBytes', 1);
  const sinceSeconds = nonNegativeInt(query, 'sinceSeconds', 1);
  const sinceTime = query.get('sinceTime');
  if (sinceSeconds !== undefined && sinceTime) throw new KubeletRequestError(400, 'at most one of `sinceTime` or `sinceSeconds` may be specified');
  if (sinceSeconds !== undefined) options.sinceNanos = BigInt(now - sinceSeconds * 1000) * 1_000_000n;
  if (sinceTime) {
    const nanos = parseRfc3339Nanos(sinceTime);
    if (nanos === undefined) throw new KubeletRequestError(400, `invalid value for sinceTime: ${JSON.stringify(sinceTime)}`);
    options.sinceNanos = nanos;
  }
  return options;
}

/**
 * Answers `/containerLogs/{ns}/{pod}/{container}`: 200 text/plain streamed from the CRI log file
 * (flushed as it is read, so `follow` delivers lines as the container writes them). Lookup
 * failures answer with the dependency's status; a missing log file is 404.
 */
export async function serveContainerLogs(
  deps: KubeletServerDeps,
  target: { namespace: string; pod: string; container: string },
  options: ContainerLogQuery,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const { containerId, logPath } = await resolveDep(deps.findContainer(target.namespace, target.pod, target.container, options.previous));
  const abort = new AbortController();
  res.once('close', () => abort.abort());
  req.once('close', () => { if (!res.writableFinished) abort.abort(); });
  const isRunning = async (): Promise<boolean> => {
    if (options.previous) return false;
    try {
      return (await deps.cri.containerStatus(containerId)).state === 'CONTAINER_RUNNING';
    } catch {
      return false;
    }
  };
  const sink = {
    write: (chunk: Buffer): boolean => {
      if (!res.headersSent) res.writeHead(200, { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' });
      return res.write(chunk);
    },
    drain: async (): Promise<void> => {
      await Promise.race([once(res, 'drain'), once(abort.signal, 'abort')]);
    },
  };
  try {
    await streamCriLog(logPath, sink, { ...options, isRunning, signal: abort.signal });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new KubeletRequestError(404, `log file for container "${target.container}" in pod "${target.pod}" does not exist`);
    }
    throw err;
  }
  if (!res.headersSent) res.writeHead(200, { 'content-type': 'text/plain' });
  res.end();
}
