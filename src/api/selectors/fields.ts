/**
 * Field selectors (k8s.io/apimachinery/pkg/fields) and the per-kind selectable fields Kubernetes
 * registers (field label conversion funcs + each registry's GetAttrs).
 */
import { badRequest } from '../errors.ts';
import type { KubeObject } from '../object.ts';
import type { ResourceInfo } from '../registry.ts';

/** One term: `field=value` / `field==value` (`=`) or `field!=value` (`!=`). */
export interface FieldRequirement {
  field: string;
  operator: '=' | '!=';
  value: string;
}

/** All terms must hold. */
export interface FieldSelector {
  requirements: FieldRequirement[];
}

/** How a resource's selectable fields are declared: the list, and the wording of the rejection. */
interface FieldSet {
  fields: readonly string[];
  reject: (label: string) => string;
  /** Labels accepted as another field's alias (pods' legacy `spec.host`). */
  aliases?: Record<string, string>;
}

const notSupported = (label: string) => `field label not supported: ${label}`;
const META = ['metadata.name', 'metadata.namespace'];

/** Field sets keyed by `group/resource`; resources without an entry accept only metadata fields. */
const FIELD_SETS: Record<string, FieldSet> = {
  '/pods': {
    fields: [...META, 'spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.podIPs', 'status.nominatedNodeName'],
    reject: notSupported,
    aliases: { 'spec.host': 'spec.nodeName' },
  },
  '/nodes': { fields: ['metadata.name', 'spec.unschedulable'], reject: notSupported },
  '/replicationcontrollers': { fields: [...META, 'status.replicas'], reject: notSupported },
  '/events': {
    fields: [...META, 'involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type'],
    reject: notSupported,
  },
  '/namespaces': { fields: ['metadata.name', 'status.phase'], reject: notSupported },
  '/secrets': { fields: [...META, 'type'], reject: notSupported },
  '/services': { fields: [...META, 'spec.clusterIP', 'spec.type'], reject: notSupported },
  'apps/replicasets': { fields: [...META, 'status.replicas'], reject: notSupported },
  'batch/jobs': { fields: [...META, 'status.successful'], reject: (l) => `field label ${JSON.stringify(l)} not supported for batchv1.Job` },
  // events.k8s.io names the core Event fields differently; both spellings select the same data.
  'events.k8s.io/events': {
    fields: [...META, 'regarding.kind', 'regarding.namespace', 'regarding.name', 'regarding.uid', 'regarding.apiVersion', 'regarding.resourceVersion', 'regarding.fieldPath', 'reason', 'reportingController', 'type'],
    reject: notSupported,
    aliases: { 'deprecatedSource.component': 'source' },
  },
};

function fieldSetFor(info: Pick<ResourceInfo, 'group' | 'resource'>): FieldSet {
  return FIELD_SETS[`${info.group}/${info.resource}`] ?? {
    fields: META,
    reject: (l) => `${JSON.stringify(l)} is not a known field selector: only "metadata.name", "metadata.namespace"`,
  };
}

/** Whether a resource supports selecting on `field` (aliases included). */
export function fieldSelectorSupported(info: Pick<ResourceInfo, 'group' | 'resource'>, field: string): boolean {
  const set = fieldSetFor(info);
  return set.fields.includes(field) || Boolean(set.aliases?.[field]);
}

/** Splits on unescaped commas (fields.splitTerms). */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\' && i + 1 < text.length) {
      current += ch + text[++i];
    } else if (ch === ',') {
      terms.push(current);
      current = '';
    } else current += ch;
  }
  terms.push(current);
  return terms;
}

/** The first operator from the left, trying `!=`, `==`, `=` at each position (fields.splitTerm). */
function splitTerm(term: string): [string, '=' | '!=', string] | undefined {
  for (let i = 0; i < term.length; i++) {
    const rest = term.slice(i);
    if (rest.startsWith('!=')) return [term.slice(0, i), '!=', term.slice(i + 2)];
    if (rest.startsWith('==')) return [term.slice(0, i), '=', term.slice(i + 2)];
    if (rest.startsWith('=')) return [term.slice(0, i), '=', term.slice(i + 1)];
  }
  return undefined;
}

/** fields.UnescapeValue: `\\`, `\,` and `\=` are the only escapes; bare `,` or `=` are errors. */
function unescapeValue(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '\\') {
      const next = value[i + 1];
      if (next !== '\\' && next !== ',' && next !== '=') throw badRequest(`invalid field selector: invalid escape sequence: ${next === undefined ? '\\' : `\\${next}`}`);
      out += next;
      i++;
    } else if (ch === ',' || ch === '=') {
      throw badRequest(`invalid field selector: unescaped character in value: ${ch.codePointAt(0)}`);
    } else out += ch;
  }
  return out;
}

/**
 * Parses `a=b,c!=d` (also `a==b`). With `info`, each field must be selectable on that resource,
 * as the API server's field label conversion requires; otherwise 400 BadRequest with the
 * resource's own wording. Aliases are rewritten to their canonical field.
 */
export function parseFieldSelector(text: string, info?: Pick<ResourceInfo, 'group' | 'resource'>): FieldSelector {
  const requirements: FieldRequirement[] = [];
  for (const term of splitTerms(text).sort()) {
    if (term === '') continue;
    const parts = splitTerm(term);
    if (!parts) throw badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
    const [field, operator, raw] = parts;
    requirements.push({ field, operator, value: unescapeValue(raw) });
  }
  if (info) {
    const set = fieldSetFor(info);
    for (const r of requirements) {
      const alias = set.aliases?.[r.field];
      if (alias) r.field = alias;
      else if (!set.fields.includes(r.field)) throw badRequest(set.reject(r.field));
    }
  }
  return { requirements };
}

/** Whether the object's selectable fields satisfy every term (a missing field reads as ""). */
export function matchesFields(sel: FieldSelector, fields: Record<string, string>): boolean {
  return sel.requirements.every((r) => ((fields[r.field] ?? '') === r.value) === (r.operator === '='));
}

const get = (o: unknown, ...path: string[]): unknown => path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o);
const text = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

/**
 * The selectable field values of an object, as its registry's GetAttrs computes them:
 * metadata.name, metadata.namespace for namespaced kinds, plus the kind's own fields.
 */
export function objectFields(info: Pick<ResourceInfo, 'group' | 'resource' | 'namespaced'>, obj: KubeObject): Record<string, string> {
  const fields: Record<string, string> = { 'metadata.name': obj.metadata.name ?? '' };
  if (info.namespaced) fields['metadata.namespace'] = obj.metadata.namespace ?? '';
  const extra = EXTRACTORS[`${info.group}/${info.resource}`];
  return extra ? { ...fields, ...extra(obj) } : fields;
}

const EXTRACTORS: Record<string, (o: KubeObject) => Record<string, string>> = {
  '/pods': (o) => {
    const ips = (get(o, 'status', 'podIPs') as { ip?: string }[] | undefined) ?? [];
    return {
      'spec.nodeName': text(get(o, 'spec', 'nodeName')),
      'spec.restartPolicy': text(get(o, 'spec', 'restartPolicy')),
      'spec.schedulerName': text(get(o, 'spec', 'schedulerName')),
      'spec.serviceAccountName': text(get(o, 'spec', 'serviceAccountName')),
      'spec.hostNetwork': String(get(o, 'spec', 'hostNetwork') === true),
      'status.phase': text(get(o, 'status', 'phase')),
      // status.podIP is the first of podIPs, as PodToSelectableFields takes it.
      'status.podIP': ips[0]?.ip ?? text(get(o, 'status', 'podIP')),
      'status.podIPs': ips.map((ip) => ip.ip ?? '').join(','),
      'status.nominatedNodeName': text(get(o, 'status', 'nominatedNodeName')),
    };
  },
  '/nodes': (o) => ({ 'spec.unschedulable': String(get(o, 'spec', 'unschedulable') === true) }),
  '/replicationcontrollers': (o) => ({ 'status.replicas': String(Number(get(o, 'status', 'replicas') ?? 0)) }),
  'apps/replicasets': (o) => ({ 'status.replicas': String(Number(get(o, 'status', 'replicas') ?? 0)) }),
  '/namespaces': (o) => ({ 'status.phase': text(get(o, 'status', 'phase')) }),
  '/secrets': (o) => ({ type: text(o.type) }),
  '/services': (o) => ({ 'spec.clusterIP': text(get(o, 'spec', 'clusterIP')), 'spec.type': text(get(o, 'spec', 'type')) }),
  'batch/jobs': (o) => ({ 'status.successful': String(Number(get(o, 'status', 'succeeded') ?? 0)) }),
  '/events': (o) => ({
    ...involved(o, 'involvedObject', 'involvedObject'),
    reason: text(o.reason),
    reportingComponent: text(o.reportingComponent),
    source: text(get(o, 'source', 'component')),
    type: text(o.type),
  }),
  'events.k8s.io/events': (o) => ({
    ...involved(o, 'regarding', 'regarding'),
    reason: text(o.reason),
    reportingController: text(o.reportingController),
    source: text(get(o, 'deprecatedSource', 'component')),
    type: text(o.type),
  }),
};

function involved(o: KubeObject, from: string, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath']) out[`${prefix}.${f}`] = text(get(o, from, f));
  return out;
}
