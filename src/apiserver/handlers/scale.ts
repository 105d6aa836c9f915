import { badRequest } from '../../api/errors.ts';
import type { KubeObject } from '../../api/object.ts';
import { applyJsonPatch } from '../../api/patch/json-patch.ts';
import { applyMergePatch } from '../../api/patch/merge-patch.ts';
import { mediaType, parseBody, readBody, sendJson } from '../http.ts';
import type { HandlerContext } from './context.ts';
import { writeOptions } from './write-options.ts';

interface SelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

/** A LabelSelector in its string form, as Scale.status.selector carries it (`app=web,tier in (a,b)`). */
export function selectorString(selector: { matchLabels?: Record<string, string>; matchExpressions?: SelectorRequirement[] } | undefined): string {
  if (!selector) return '';
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const req of selector.matchExpressions ?? []) {
    const values = [...(req.values ?? [])].sort().join(',');
    if (req.operator === 'In') parts.push(`${req.key} in (${values})`);
    else if (req.operator === 'NotIn') parts.push(`${req.key} notin (${values})`);
    else if (req.operator === 'Exists') parts.push(req.key);
    else if (req.operator === 'DoesNotExist') parts.push(`!${req.key}`);
  }
  return parts.sort().join(',');
}

/** The autoscaling/v1 Scale view of a scalable object. */
export function scaleOf(object: KubeObject): KubeObject {
  const spec = (object.spec ?? {}) as { replicas?: number; selector?: Record<string, unknown> };
  const status = (object.status ?? {}) as { replicas?: number };
  const meta = object.metadata;
  // ReplicationControllers carry a plain map selector; the apps kinds a LabelSelector.
  const selector = object.kind === 'ReplicationController' ? selectorString({ matchLabels: spec.selector as Record<string, string> }) : selectorString(spec.selector);
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: meta.name, namespace: meta.namespace, uid: meta.uid, resourceVersion: meta.resourceVersion, creationTimestamp: meta.creationTimestamp },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, selector },
  };
}

/** GET, PUT and PATCH of the scale subresource: reads and sets spec.replicas through a Scale object. */
export async function handleScale(ctx: HandlerContext): Promise<void> {
  const { namespace, name, verb } = ctx.request;
  if (verb === 'get') {
    const found = await ctx.store.get(namespace, name!);
    sendJson(ctx.res, 200, scaleOf(found.object));
    return;
  }
  const type = mediaType(ctx.req);
  const body = parseBody(await readBody(ctx.req), type);
  const result = await ctx.store.update(
    namespace,
    name!,
    (current) => {
      const scale = scaleOf(current!);
      let wanted: KubeObject;
      if (verb === 'update') wanted = body as KubeObject;
      else if (type === 'application/json-patch+json') wanted = applyJsonPatch(scale, body) as KubeObject;
      else wanted = applyMergePatch(scale, body) as KubeObject;
      const replicas = (wanted?.spec as { replicas?: unknown } | undefined)?.replicas;
      if (typeof replicas !== 'number' || !Number.isInteger(replicas)) throw badRequest('Scale.spec.replicas must be an integer');
      const rv = wanted.metadata?.resourceVersion;
      const object: KubeObject = { ...current!, spec: { ...(current!.spec as object), replicas } };
      object.metadata = { ...current!.metadata, resourceVersion: verb === 'update' && rv ? rv : undefined };
      return object;
    },
    { ...writeOptions(ctx), subresource: undefined },
  );
  sendJson(ctx.res, 200, scaleOf(result.object));
}
