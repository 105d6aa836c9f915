/**
 * Parses a request path into what it addresses, following the Kubernetes RequestInfoFactory:
 * `/api/v1/namespaces/default/pods/nginx/status` -> resource pods, name nginx, subresource status.
 */

export type RequestVerb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export interface ResourceRequestInfo {
  isResourceRequest: true;
  verb: RequestVerb;
  /** '' for the core group (`/api`). */
  group: string;
  version: string;
  namespace?: string;
  resource: string;
  name?: string;
  subresource?: string;
  /** Path segments after the subresource (used by proxy subresources). */
  rest: string[];
}

export interface NonResourceRequestInfo {
  isResourceRequest: false;
  path: string;
}

export type RequestInfo = ResourceRequestInfo | NonResourceRequestInfo;

/** Subresources of a namespace object: `/api/v1/namespaces/x/status` is not a resource named "status". */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

function verbFor(method: string, hasName: boolean, query: URLSearchParams, legacyWatch: boolean): RequestVerb | undefined {
  switch (method) {
    case 'GET':
    case 'HEAD': {
      const watch = query.get('watch');
      if (legacyWatch || watch === 'true' || watch === '1') return 'watch';
      return hasName ? 'get' : 'list';
    }
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return hasName ? 'delete' : 'deletecollection';
    default:
      return undefined;
  }
}

/**
 * Classifies `path` (without query). Returns undefined for an unsupported method on a resource path.
 * A `watch` request for one named object is a list-watch with a metadata.name field selector, as in Kubernetes.
 */
export function parseRequestInfo(method: string, path: string, query: URLSearchParams): RequestInfo | undefined {
  const parts = path.split('/').filter((p) => p.length > 0);
  // Most paths have no escapes; decoding only when there are saves a call per segment per request.
  if (path.includes('%')) for (let i = 0; i < parts.length; i++) parts[i] = decodeURIComponent(parts[i]);
  let rest: string[];
  let group = '';
  let version: string;
  if (parts[0] === 'api' && parts.length >= 3) {
    version = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1];
    version = parts[2];
    rest = parts.slice(3);
  } else {
    return { isResourceRequest: false, path };
  }
  let legacyWatch = false;
  if (rest[0] === 'watch') {
    legacyWatch = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1];
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2])) {
      rest = rest.slice(2);
    } else {
      // The namespace object itself: /namespaces/NAME[/status|finalize].
      namespace = undefined;
      rest = ['namespaces', ...rest.slice(1)];
    }
  }
  const [resource, name, subresource, ...tail] = rest;
  if (!resource) return { isResourceRequest: false, path };
  const verb = verbFor(method, name !== undefined, query, legacyWatch);
  if (!verb) return undefined;
  return { isResourceRequest: true, verb, group, version, namespace, resource, name, subresource, rest: tail };
}

/** The path and query of a request, as `new URL(target, base)` gives them. */
export interface RequestTarget {
  pathname: string;
  searchParams: URLSearchParams;
}

/**
 * Targets that `new URL()` returns unchanged: one leading slash, path characters it never
 * percent-encodes or rewrites (no `%`, `\`, spaces or controls; dot segments are ruled out
 * separately), and a query without `#`, a second `?`, spaces or controls.
 */
const PLAIN_TARGET = /^\/(?!\/)[A-Za-z0-9\-._~/:@!$&'()*+,;=]*(?:\?[\x21\x22\x24-\x3e\x40-\x7e]*)?$/;

/**
 * Splits a request target (`req.url`) into path and query parameters exactly as
 * `new URL(target, 'https://skiff')` does, without building a URL for the plain targets that
 * clients send (parsing a URL cost ~3 us per request); anything else goes through `new URL`.
 */
export function requestTarget(target: string): RequestTarget {
  if (PLAIN_TARGET.test(target)) {
    const q = target.indexOf('?');
    const pathname = q < 0 ? target : target.slice(0, q);
    if (!pathname.includes('/.')) return { pathname, searchParams: new URLSearchParams(q < 0 ? '' : target.slice(q + 1)) };
  }
  const url = new URL(target, 'https://skiff');
  return { pathname: url.pathname, searchParams: url.searchParams };
}
