/**
 * Generates src/api/patch/patch-meta-data.ts: the patch strategy, merge key, list type, list map
 * keys and map type of every field of the built-in Kubernetes types, keyed by the
 * `@kubernetes/client-node` model name.
 *
 * The facts come from the Go API types (the same struct tags and `+listType`/`+mapType`/
 * `+structType` markers that Kubernetes' OpenAPI generator turns into `x-kubernetes-*`
 * extensions). Only the facts are emitted; no documentation text is copied.
 *
 * Usage (each source is a git directory and a ref, read with `git show`):
 *   node --import tsx scripts/gen-patch-meta.ts \
 *     --api /work/.mirror/kubernetes+api/repo@release-1.34 \
 *     --apimachinery /work/.mirror/kubernetes+apimachinery/repo@release-1.34 \
 *     --apiextensions /work/.mirror/kubernetes+apiextensions-apiserver/repo@release-1.34
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';

interface GoField {
  json: string;
  goType: string;
  inline: boolean;
  strategy?: string;
  mergeKey?: string;
  listType?: string;
  listMapKeys: string[];
  mapType?: string;
  defaultValue?: string;
}

interface GoStruct {
  name: string;
  atomic: boolean;
  fields: GoField[];
}

interface Source {
  gitDir: string;
  ref: string;
}

function parseSource(value: string): Source {
  const at = value.lastIndexOf('@');
  return { gitDir: value.slice(0, at), ref: value.slice(at + 1) };
}

function git(src: Source, ...args: string[]): string {
  return execFileSync('git', ['--git-dir', src.gitDir, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

/** Reads the Go struct declarations of one file: fields, tags and the markers right above them. */
function parseStructs(text: string): GoStruct[] {
  const lines = text.split('\n');
  const structs: GoStruct[] = [];
  let markers: string[] = [];
  let current: GoStruct | undefined;
  for (const line of lines) {
    const trimmed = line.trim();
    if (trimmed.startsWith('//')) {
      const m = /^\/\/\s*\+([\w.-]+)(?:=(.*))?$/.exec(trimmed);
      if (m) markers.push(`${m[1]}=${m[2] ?? ''}`);
      continue;
    }
    if (!current) {
      const head = /^type (\w+) struct \{/.exec(line);
      if (head) current = { name: head[1], atomic: markers.includes('structType=atomic'), fields: [] };
      markers = [];
      continue;
    }
    if (line === '}') {
      structs.push(current);
      current = undefined;
      markers = [];
      continue;
    }
    const field = parseField(line, markers);
    if (field) current.fields.push(field);
    if (trimmed === '' || field) markers = [];
  }
  return structs;
}

function parseField(line: string, markers: string[]): GoField | undefined {
  const m = /^\t(?:(\w+)\s+)?([^\s`]+)\s*`([^`]*)`/.exec(line);
  if (!m) return undefined;
  const tags = m[3];
  const json = /json:"([^"]*)"/.exec(tags)?.[1] ?? '';
  const [jsonName, ...opts] = json.split(',');
  if (jsonName === '-') return undefined;
  const marker = (key: string): string | undefined => markers.find((x) => x.startsWith(`${key}=`))?.slice(key.length + 1);
  return {
    json: jsonName,
    goType: m[2],
    inline: jsonName === '' && opts.includes('inline'),
    strategy: /patchStrategy:"([^"]*)"/.exec(tags)?.[1] ?? marker('patchStrategy'),
    mergeKey: /patchMergeKey:"([^"]*)"/.exec(tags)?.[1] ?? marker('patchMergeKey'),
    listType: marker('listType'),
    listMapKeys: markers.filter((x) => x.startsWith('listMapKey=')).map((x) => x.slice('listMapKey='.length)),
    mapType: marker('mapType'),
    defaultValue: marker('default'),
  };
}

/** Inlined embedded structs of the same package contribute their fields to the outer struct. */
function flatten(struct: GoStruct, byName: Map<string, GoStruct>, seen = new Set<string>()): GoField[] {
  const out: GoField[] = [];
  for (const f of struct.fields) {
    if (!f.inline) {
      out.push(f);
      continue;
    }
    const inner = byName.get(f.goType.replace(/^\*/, ''));
    if (inner && !seen.has(inner.name)) out.push(...flatten(inner, byName, new Set([...seen, inner.name])));
  }
  return out;
}

type ModelClass = { getAttributeTypeMap(): { baseName: string }[] };
const models = new Map<string, ModelClass>();
for (const [name, value] of Object.entries(k8s)) {
  if (typeof (value as Partial<ModelClass>)?.getAttributeTypeMap === 'function') models.set(name, value as ModelClass);
}

function pascal(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** client-node names a type `<Version><Type>`, or `<Group><Version><Type>` when the short name is shared. */
function modelName(group: string, version: string, struct: GoStruct): string | undefined {
  const candidates = [`${pascal(group)}${pascal(version)}${struct.name}`, `${pascal(version)}${struct.name}`];
  const jsonFields = struct.fields.filter((f) => f.json).map((f) => f.json);
  for (const name of candidates) {
    const cls = models.get(name);
    if (!cls) continue;
    const known = new Set(cls.getAttributeTypeMap().map((a) => a.baseName));
    // A short name owned by another group's type has different fields; require most fields to match.
    const matched = jsonFields.filter((f) => known.has(f)).length;
    if (jsonFields.length === 0 || matched / jsonFields.length >= 0.8) return name;
  }
  return undefined;
}

interface Emitted {
  strategy?: string;
  mergeKey?: string;
  listType?: string;
  listMapKeys?: string[];
  mapType?: string;
}

function facts(f: GoField): Emitted | undefined {
  const e: Emitted = {};
  if (f.strategy) e.strategy = f.strategy;
  if (f.mergeKey) e.mergeKey = f.mergeKey;
  if (f.listType) e.listType = f.listType;
  if (f.listMapKeys.length) e.listMapKeys = f.listMapKeys;
  if (f.mapType) e.mapType = f.mapType;
  return Object.keys(e).length ? e : undefined;
}

function args(): Record<string, Source> {
  const out: Record<string, Source> = {};
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = parseSource(argv[i + 1]);
  return out;
}

/** Every (group, version, file contents) to read. */
function inputs(): { group: string; version: string; text: string }[] {
  const a = args();
  const out: { group: string; version: string; text: string }[] = [];
  for (const path of git(a.api, 'ls-tree', '-r', '--name-only', a.api.ref).split('\n')) {
    const m = /^([a-z]+)\/(v\d\w*)\/types\.go$/.exec(path);
    if (m) out.push({ group: m[1], version: m[2], text: git(a.api, 'show', `${a.api.ref}:${path}`) });
  }
  out.push({ group: 'meta', version: 'v1', text: git(a.apimachinery, 'show', `${a.apimachinery.ref}:pkg/apis/meta/v1/types.go`) });
  for (const file of ['types.go', 'types_jsonschema.go']) {
    out.push({ group: 'apiextensions', version: 'v1', text: git(a.apiextensions, 'show', `${a.apiextensions.ref}:pkg/apis/apiextensions/v1/${file}`) });
  }
  return out;
}

function main(): void {
  const fieldTable: Record<string, Record<string, Emitted>> = {};
  const atomicStructs = new Set<string>();
  const keyDefaults: Record<string, Record<string, unknown>> = {};
  const byPackage = new Map<string, GoStruct[]>();
  for (const input of inputs()) {
    const key = `${input.group}/${input.version}`;
    byPackage.set(key, [...(byPackage.get(key) ?? []), ...parseStructs(input.text)]);
  }
  for (const [key, structs] of byPackage) {
    const [group, version] = key.split('/');
    const byName = new Map(structs.map((s) => [s.name, s]));
    for (const struct of structs) {
      const flat = { ...struct, fields: flatten(struct, byName) };
      const name = modelName(group, version, flat);
      if (!name) {
        // Types client-node does not model (internal or list-less helpers) carry no usable facts.
        if (flat.fields.some((f) => f.json && facts(f))) console.error(`skipped ${key} ${struct.name}: no client-node model`);
        continue;
      }
      if (struct.atomic) atomicStructs.add(name);
      for (const f of flat.fields) {
        const e = f.json ? facts(f) : undefined;
        if (e) (fieldTable[name] ??= {})[f.json] = e;
        if (f.listMapKeys.length) collectKeyDefaults(f, group, version, byName, keyDefaults);
      }
    }
  }
  writeFileSync(new URL('../src/api/patch/patch-meta-data.ts', import.meta.url), render(fieldTable, atomicStructs, keyDefaults));
}

/** Server-side apply fills a missing list-map key from the key field's default (`+default=`). */
function collectKeyDefaults(f: GoField, group: string, version: string, byName: Map<string, GoStruct>, out: Record<string, Record<string, unknown>>): void {
  const element = byName.get(f.goType.replace(/^\[\]\*?/, ''));
  if (!element) return;
  const model = modelName(group, version, { ...element, fields: flatten(element, byName) });
  if (!model) return;
  for (const key of f.listMapKeys) {
    const field = flatten(element, byName).find((x) => x.json === key);
    // Only literal defaults; `ref(...)` defaults name Go constants and are not used for keys.
    if (field?.defaultValue !== undefined && !field.defaultValue.startsWith('ref(')) (out[model] ??= {})[key] = JSON.parse(field.defaultValue);
  }
}

function render(table: Record<string, Record<string, Emitted>>, atomic: Set<string>, keyDefaults: Record<string, Record<string, unknown>>): string {
  const lines = [
    '// Generated by scripts/gen-patch-meta.ts from the Kubernetes API types (struct tags and',
    '// +listType/+listMapKey/+mapType/+structType markers). Do not edit by hand.',
    "import type { FieldPatchMeta } from './patch-meta.ts';",
    '',
    '/** Patch facts per client-node model, per JSON field name. */',
    'export const FIELD_PATCH_META: Record<string, Record<string, FieldPatchMeta>> = {',
  ];
  for (const model of Object.keys(table).sort()) {
    lines.push(`  ${model}: {`);
    for (const field of Object.keys(table[model]).sort()) lines.push(`    ${JSON.stringify(field)}: ${JSON.stringify(table[model][field])},`);
    lines.push('  },');
  }
  lines.push('};', '', '/** Models whose struct is atomic (`+structType=atomic`): applied and owned as one value. */');
  lines.push(`export const ATOMIC_STRUCTS: ReadonlySet<string> = new Set([`);
  for (const model of [...atomic].sort()) lines.push(`  ${JSON.stringify(model)},`);
  lines.push(']);', '', '/** Defaults of list-map key fields, per element model: used when an item omits the key. */');
  lines.push('export const LIST_KEY_DEFAULTS: Record<string, Record<string, unknown>> = {');
  for (const model of Object.keys(keyDefaults).sort()) lines.push(`  ${model}: ${JSON.stringify(keyDefaults[model])},`);
  lines.push('};', '');
  return lines.join('\n');
}

main();
