/** Plain (non-upgraded) HTTPS requests from the API server to kubelets, and relaying their answers. */
import { request, type RequestOptions } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { ApiResponse } from '../http.ts';
import type { KubeletAddress, KubeletTransport } from './kubelet-location.ts';

/** TLS options of a request to a kubelet; `insecure` skips verifying its serving certificate (insecureSkipTLSVerifyBackend). */
export function kubeletTlsOptions(kubelet: KubeletAddress, transport: KubeletTransport, insecure = false): RequestOptions {
  return { host: kubelet.host, port: kubelet.port, ca: transport.ca, cert: transport.cert, key: transport.key, rejectUnauthorized: !insecure, agent: false };
}

/** Sends `method path` to the kubelet (with `body` piped in when given); resolves with its response, whatever the status. */
export function kubeletRequest(options: RequestOptions, method: string, path: string, signal: AbortSignal, body?: NodeJS.ReadableStream, headers: Record<string, string> = {}): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request({ ...options, method, path, signal, headers }, resolve);
    req.on('error', reject);
    if (body) body.pipe(req);
    else req.end();
  });
}

/** The whole body as text (for error messages). */
export async function readText(res: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of res) text += chunk;
  return text;
}

/**
 * Copies the kubelet's response body to the client chunk by chunk, waiting for drain, until
 * either side ends; a failure mid-stream just ends what was sent.
 */
export async function relayBody(upstream: IncomingMessage, res: ApiResponse, signal: AbortSignal): Promise<void> {
  const out = res as { write(chunk: Buffer): boolean; end(): void };
  try {
    for await (const chunk of upstream as AsyncIterable<Buffer>) {
      if (!out.write(chunk)) await new Promise<void>((resolve) => { res.once('drain', resolve); res.once('close', resolve); });
      if (signal.aborted) break;
    }
  } catch {
    // The kubelet or the client went away.
  }
  out.end();
}
