/**
 * Generates src/api/schema-names.ts: for every `@kubernetes/client-node` model, the Kubernetes
 * OpenAPI definition name (`V1PodSpec` -> `io.k8s.api.core.v1.PodSpec`), and the fields whose
 * Go type is one of apimachinery's special types that client-node flattens to `string`, `any`
 * or a plain map (`resource.Quantity`, `ResourceList`, `runtime.RawExtension`, `metav1.FieldsV1`,
 * the apiextensions JSON types).
 *
 * The facts come from the Go API types: which package declares which type, and each field's
 * Go type. Only names are emitted; no documentation text is copied.
 *
 * Usage (each source is a git directory and a ref, read with `git show`):
 *   node --import tsx scripts/gen-schema-names.ts \
 *     --api /work/.mirror/kubernetes+api/repo@release-1.34 \
 *     --apimachinery /work/.mirror/kubernetes+apimachinery/repo@release-1.34 \
 *     --apiextensions /work/.mirror/kubernetes+apiextensions-apiserver/repo@release-1.34
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';

interface Source {
  gitDir: string;
  ref: string;
}

interface GoField {
  json: string;
  goType: string;
  /** openapi-gen marks a field required unless it is `omitempty` or carries `+optional`. */
  required: boolean;
}

/** One Go package: its OpenAPI name prefix and the types it declares. */
interface GoPackage {
  prefix: string;
  group: string;
  version: string;
  types: Map<string, GoField[] | undefined>;
}

function parseSource(value: string): Source {
  const at = value.lastIndexOf('@');
  return { gitDir: value.slice(0, at), ref: value.slice(at + 1) };
}

function git(src: Source, ...args: string[]): string {
  return execFileSync('git', ['--git-dir', src.gitDir, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

/** Every declared type of one Go file; structs come with their JSON fields. */
function parseTypes(text: string, into: Map<string, GoField[] | undefined>): void {
  let current: GoField[] | undefined;
  let optional = false;
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (current && trimmed.startsWith('//')) {
      if (/^\/\/\s*\+(k8s:)?optional\b/.test(trimmed)) optional = true;
      continue;
    }
    if (!current) {
      const head = /^type (\w+) (.*)$/.exec(line);
      if (!head) continue;
      if (head[2].startsWith('struct {') && !head[2].includes('}')) into.set(head[1], (current = []));
      else into.set(head[1], undefined);
      continue;
    }
    if (line === '}') {
      current = undefined;
      continue;
    }
    const m = /^\t(?:\w+\s+)?([^\s`]+)\s*`[^`]*json:"([^",]*)([^"]*)"/.exec(line);
    if (m && m[2] && m[2] !== '-') current.push({ json: m[2], goType: m[1], required: !optional && !m[3].includes('omitempty') });
    if (trimmed === '' || m) optional = false;
  }
}

function args(): Record<string, Source> {
  const out: Record<string, Source> = {};
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = parseSource(argv[i + 1]);
  return out;
}

/** Packages whose types are not published in the API server's OpenAPI documents. */
const UNPUBLISHED = new Set(['admission', 'imagepolicy', 'apidiscovery']);

function loadPackages(): GoPackage[] {
  const a = args();
  const packages = new Map<string, GoPackage>();
  const add = (prefix: string, group: string, version: string, text: string): void => {
    const pkg = packages.get(prefix) ?? { prefix, group, version, types: new Map() };
    parseTypes(text, pkg.types);
    packages.set(prefix, pkg);
  };
  for (const path of git(a.api, 'ls-tree', '-r', '--name-only', a.api.ref).split('\n')) {
    const m = /^([a-z0-9]+)\/(v\d\w*)\/[a-z_]+\.go$/.exec(path);
    if (!m || UNPUBLISHED.has(m[1]) || /generated|_test|^doc|register/.test(path.split('/')[2])) continue;
    add(`io.k8s.api.${m[1]}.${m[2]}`, m[1], m[2], git(a.api, 'show', `${a.api.ref}:${path}`));
  }
  for (const file of ['types.go', 'time.go', 'micro_time.go', 'watch.go', 'duration.go', 'group_version.go']) {
    add('io.k8s.apimachinery.pkg.apis.meta.v1', 'meta', 'v1', git(a.apimachinery, 'show', `${a.apimachinery.ref}:pkg/apis/meta/v1/${file}`));
  }
  for (const file of ['types.go', 'types_jsonschema.go']) {
    add('io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1', 'apiextensions', 'v1', git(a.apiextensions, 'show', `${a.apiextensions.ref}:pkg/apis/apiextensions/v1/${file}`));
  }
  return [...packages.values()];
}

type Attr = { baseName: string; type: string };
type ModelClass = { getAttributeTypeMap(): Attr[] };

function clientModels(): Map<string, Attr[]> {
  const out = new Map<string, Attr[]>();
  for (const [name, value] of Object.entries(k8s)) {
    if (typeof (value as Partial<ModelClass>)?.getAttributeTypeMap === 'function') out.set(name, (value as ModelClass).getAttributeTypeMap());
  }
  return out;
}

/** The package declaring a client-node model: named by group prefix when client-node had to disambiguate. */
function resolve(model: string, attrs: Attr[], packages: GoPackage[]): { pkg: GoPackage; type: string } | undefined {
  const m = /^([A-Z][a-z]+)?(V\d+(?:alpha\d+|beta\d+)?)([A-Z]\w*)$/.exec(model);
  if (!m) return undefined;
  const group = m[1]?.toLowerCase();
  const version = m[2].toLowerCase();
  const type = m[3];
  const candidates = packages.filter((p) => p.version === version && (!group || p.group === group) && p.types.has(type));
  if (candidates.length <= 1) return candidates[0] && { pkg: candidates[0], type };
  // The same short name in several packages: pick the one whose struct fields match best.
  const known = new Set(attrs.map((a) => a.baseName));
  const score = (p: GoPackage): number => (p.types.get(type) ?? []).filter((f) => known.has(f.json)).length;
  const best = candidates.sort((x, y) => score(y) - score(x))[0];
  return { pkg: best, type };
}

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const APIEXT = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1';

/** The special definition a Go field type stands for, if any (`map:` marks a map of it). */
function special(goType: string): string | undefined {
  const t = goType.replace(/^\*/, '').replace(/^\[\]/, '');
  if (/(^|\.)ResourceList$/.test(t) || /^map\[[\w.]+\]resource\.Quantity$/.test(t)) return 'map:io.k8s.apimachinery.pkg.api.resource.Quantity';
  if (t === 'resource.Quantity') return 'io.k8s.apimachinery.pkg.api.resource.Quantity';
  if (t === 'runtime.RawExtension') return 'io.k8s.apimachinery.pkg.runtime.RawExtension';
  if (/(^|\.)FieldsV1$/.test(t)) return `${META}.FieldsV1`;
  if (/^(JSON|JSONSchemaPropsOrArray|JSONSchemaPropsOrBool|CustomResourceSubresourceStatus)$/.test(t)) return `${APIEXT}.${t}`;
  if (t === 'JSONSchemaDependencies') return `map:${APIEXT}.JSONSchemaPropsOrStringArray`;
  return undefined;
}

function main(): void {
  const packages = loadPackages();
  const byPackage = new Map<string, string[]>();
  const specials: Record<string, Record<string, string>> = {};
  const required: Record<string, string[]> = {};
  for (const [model, attrs] of clientModels()) {
    const found = resolve(model, attrs, packages);
    if (!found) continue;
    const list = byPackage.get(found.pkg.prefix) ?? [];
    list.push(model);
    byPackage.set(found.pkg.prefix, list);
    const fields = found.pkg.types.get(found.type) ?? [];
    for (const f of fields) {
      const s = special(f.goType);
      if (s && attrs.some((a) => a.baseName === f.json)) (specials[model] ??= {})[f.json] = s;
      if (f.required && attrs.some((a) => a.baseName === f.json)) (required[model] ??= []).push(f.json);
    }
  }
  writeFileSync(new URL('../src/api/schema-names.ts', import.meta.url), render(byPackage, specials, required));
}

function render(byPackage: Map<string, string[]>, specials: Record<string, Record<string, string>>, required: Record<string, string[]>): string {
  const lines = [
    '// Generated by scripts/gen-schema-names.ts from the Kubernetes API types (which package',
    '// declares each type, and the Go type of each field). Do not edit by hand.',
    '',
    '/** client-node model names per Kubernetes OpenAPI package (definition name = package + type). */',
    'export const MODEL_PACKAGES: Record<string, readonly string[]> = {',
  ];
  for (const prefix of [...byPackage.keys()].sort()) {
    lines.push(`  ${JSON.stringify(prefix)}: [`);
    let line = '   ';
    for (const name of byPackage.get(prefix)!.sort()) {
      const item = ` ${JSON.stringify(name)},`;
      if (line.length + item.length > 110) {
        lines.push(line);
        line = '   ';
      }
      line += item;
    }
    lines.push(line, '  ],');
  }
  lines.push('};', '');
  lines.push('/**', ' * Fields whose Go type is an apimachinery special type that client-node flattens; the value is the', ' * definition name, `map:` marking a map whose values are that definition.', ' */');
  lines.push('export const SPECIAL_FIELDS: Record<string, Record<string, string>> = {');
  for (const model of Object.keys(specials).sort()) {
    lines.push(`  ${model}: ${JSON.stringify(specials[model])},`);
  }
  lines.push('};', '');
  lines.push('/** Required fields per model, as openapi-gen derives them (no `omitempty`, no `+optional`). */');
  lines.push('export const REQUIRED_FIELDS: Record<string, readonly string[]> = {');
  for (const model of Object.keys(required).sort()) lines.push(`  ${model}: ${JSON.stringify(required[model])},`);
  lines.push('};', '');
  return lines.join('\n');
}

main();
