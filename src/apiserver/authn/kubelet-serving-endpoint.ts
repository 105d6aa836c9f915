import { isIP } from 'node:net';
import { StatusError } from '../../api/errors.ts';
import { isDNS1123Subdomain } from '../../api/validation/names.ts';
import type { ApiRequest, ApiResponse } from '../http.ts';
import type { UserInfo } from './authenticate.ts';
import { issueKubeletServingCertificate, type Pki } from './pki.ts';

/**
 * Where agents fetch their kubelet serving certificate, like k3s' `/v1-k3s/serving-kubelet.crt`:
 * `GET` with headers `Skiff-Node-Name` and `Skiff-Node-IP` (comma-separated), authenticated by
 * the node join token. The answer (text/plain) is the certificate PEM followed by its key PEM.
 */
export const KUBELET_SERVING_CERT_PATH = '/v1-skiff/serving-kubelet.crt';

/** The join token's user (see cli/server.ts); members of system:masters may also ask. */
const AGENT_USER = 'system:skiff-agent';

function header(req: ApiRequest, name: string): string {
  const value = req.headers[name];
  return (Array.isArray(value) ? value.join(',') : value ?? '').trim();
}

/**
 * Answers KUBELET_SERVING_CERT_PATH: 403 for users other than the agent (or cluster admins),
 * 400 for a missing or invalid node name or IP, else a fresh certificate for that node and IPs.
 */
export async function serveKubeletServingCert(pki: Pki, user: UserInfo | undefined, req: ApiRequest, res: ApiResponse): Promise<void> {
  if (req.method !== 'GET') throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  if (!user || (user.username !== AGENT_USER && !user.groups.includes('system:masters'))) {
    throw new StatusError(403, 'Forbidden', `forbidden: User "${user?.username ?? 'system:anonymous'}" cannot get a kubelet serving certificate`);
  }
  const nodeName = header(req, 'skiff-node-name');
  const nameErrors = nodeName ? isDNS1123Subdomain(nodeName) : ['must be given in the Skiff-Node-Name header'];
  if (nameErrors.length) throw new StatusError(400, 'BadRequest', `invalid node name ${JSON.stringify(nodeName)}: ${nameErrors.join('; ')}`);
  const ips = header(req, 'skiff-node-ip').split(',').map((ip) => ip.trim()).filter(Boolean);
  const bad = ips.find((ip) => !isIP(ip));
  if (bad !== undefined) throw new StatusError(400, 'BadRequest', `invalid node IP ${JSON.stringify(bad)}`);
  const { cert, key } = await issueKubeletServingCertificate(pki, nodeName, ips);
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache, private' });
  res.end(`${cert}${key}`);
}
