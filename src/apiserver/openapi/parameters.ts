/**
 * The query and path parameters of Kubernetes API operations, by name, with the types the real
 * API server publishes, and the parameter sets of each kind of operation. kubectl looks for
 * `fieldValidation` among the parameters of a kind's PATCH operation to decide whether the
 * server validates fields itself (cli-runtime's QueryParamVerifierV3).
 */

/** A parameter type as OpenAPI spells it. */
export type ParamType = 'string' | 'boolean' | 'integer';

/** Where a parameter goes. */
export type ParamLocation = 'query' | 'path';

/** One parameter, ready to render in either document flavour. */
export interface ParamSpec {
  name: string;
  in: ParamLocation;
  type: ParamType;
  required?: boolean;
}

const TYPES: Record<string, ParamType> = {
  allowWatchBookmarks: 'boolean',
  command: 'string',
  container: 'string',
  continue: 'string',
  dryRun: 'string',
  fieldManager: 'string',
  fieldSelector: 'string',
  fieldValidation: 'string',
  follow: 'boolean',
  force: 'boolean',
  gracePeriodSeconds: 'integer',
  ignoreStoreReadErrorWithClusterBreakingPotential: 'boolean',
  insecureSkipTLSVerifyBackend: 'boolean',
  labelSelector: 'string',
  limit: 'integer',
  limitBytes: 'integer',
  name: 'string',
  namespace: 'string',
  orphanDependents: 'boolean',
  path: 'string',
  ports: 'integer',
  pretty: 'string',
  previous: 'boolean',
  propagationPolicy: 'string',
  resourceVersion: 'string',
  resourceVersionMatch: 'string',
  sendInitialEvents: 'boolean',
  sinceSeconds: 'integer',
  stderr: 'boolean',
  stdin: 'boolean',
  stdout: 'boolean',
  stream: 'string',
  tailLines: 'integer',
  timeoutSeconds: 'integer',
  timestamps: 'boolean',
  tty: 'boolean',
  watch: 'boolean',
};

/** A query parameter by name. */
export function queryParam(name: string): ParamSpec {
  return { name, in: 'query', type: TYPES[name] ?? 'string' };
}

/** A required path parameter by name (`name`, `namespace`, `path`). */
export function pathParam(name: string): ParamSpec {
  return { name, in: 'path', type: 'string', required: true };
}

/** Parameters of list and watch (the operation's own on list, the path's on watch paths). */
export const LIST_PARAMS = [
  'allowWatchBookmarks', 'continue', 'fieldSelector', 'labelSelector', 'limit', 'resourceVersion',
  'resourceVersionMatch', 'sendInitialEvents', 'timeoutSeconds', 'watch',
];

/** Parameters of create and replace (POST, PUT). */
export const WRITE_PARAMS = ['dryRun', 'fieldManager', 'fieldValidation'];

/** Parameters of patch: the write parameters plus `force` for server-side apply. */
export const PATCH_PARAMS = ['dryRun', 'fieldManager', 'fieldValidation', 'force'];

/** Parameters of delete. */
export const DELETE_PARAMS = ['dryRun', 'gracePeriodSeconds', 'ignoreStoreReadErrorWithClusterBreakingPotential', 'orphanDependents', 'propagationPolicy'];

/** Parameters of deletecollection: delete's plus list's selection parameters. */
export const DELETE_COLLECTION_PARAMS = [
  'continue', 'dryRun', 'fieldSelector', 'gracePeriodSeconds', 'ignoreStoreReadErrorWithClusterBreakingPotential',
  'labelSelector', 'limit', 'orphanDependents', 'propagationPolicy', 'resourceVersion', 'resourceVersionMatch',
  'sendInitialEvents', 'timeoutSeconds',
];

/** Parameters of the pod log subresource. */
export const LOG_PARAMS = ['container', 'follow', 'insecureSkipTLSVerifyBackend', 'limitBytes', 'previous', 'sinceSeconds', 'stream', 'tailLines', 'timestamps'];

/** Parameters of the streaming connect subresources, by subresource. */
export const CONNECT_PARAMS: Record<string, string[]> = {
  exec: ['command', 'container', 'stderr', 'stdin', 'stdout', 'tty'],
  attach: ['container', 'stderr', 'stdin', 'stdout', 'tty'],
  portforward: ['ports'],
  proxy: ['path'],
};
