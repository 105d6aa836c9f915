import { request } from 'node:https';

/** How the agent reaches the API server: its URL, the node join token and the cluster CA (PEM). */
export interface ServingCertSource {
  server: string;
  token: string;
  ca: string;
}

/** The API server's endpoint that signs kubelet serving certificates (see docs/apiserver.md). */
export const SERVING_CERT_PATH = '/v1-skiff/serving-kubelet.crt';

const KEY_MARKER = '-----BEGIN PRIVATE KEY-----';

/**
 * Asks the API server for a serving certificate for this node's kubelet, valid for `nodeName` and
 * `ips` and signed by the cluster CA (as a k3s agent fetches `serving-kubelet.crt`). Rejects with
 * the server's message on any non-200 answer or a malformed body.
 */
export function obtainServingCert(source: ServingCertSource, nodeName: string, ips: string[], timeoutMs = 30_000): Promise<{ cert: string; key: string }> {
  const url = new URL(SERVING_CERT_PATH, source.server);
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'GET',
      ca: source.ca,
      timeout: timeoutMs,
      headers: { authorization: `Bearer ${source.token}`, 'skiff-node-name': nodeName, 'skiff-node-ip': ips.join(','), 'user-agent': 'skiff-agent/0.1.0' },
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`serving certificate request failed (${res.statusCode}): ${statusMessage(body)}`));
        const at = body.indexOf(KEY_MARKER);
        if (at <= 0) return reject(new Error('serving certificate answer holds no certificate and key'));
        resolve({ cert: body.slice(0, at), key: body.slice(at) });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`serving certificate request timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

function statusMessage(body: string): string {
  try {
    return (JSON.parse(body) as { message?: string }).message ?? body;
  } catch {
    return body;
  }
}
