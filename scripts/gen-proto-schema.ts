/**
 * Generates src/api/protobuf/proto-schema-data.ts: for every proto message of the API groups skiff
 * serves, its fields (number, JSON name, type, flags, referenced types), and the map from
 * apiVersion to proto package. The decoder in src/api/protobuf/decode.ts reads these facts.
 *
 * Two sources per package, both generated-from-Go facts of Kubernetes:
 * - `generated.proto`: field numbers, proto types, repeated/map.
 * - the Go API types (`types.go` etc.): per field the JSON name, `omitempty`, `,inline`, and whether
 *   the Go field is a pointer. Go's JSON encoder, which defines what Kubernetes' JSON looks like,
 *   depends on those, and the proto file does not carry them. Fields are matched by number (the
 *   `protobuf:"bytes,N,..."` struct tag).
 * Only names and numbers are emitted; no documentation text is copied.
 *
 * Usage (each source is a git directory and a ref, read with `git show`; these are the defaults):
 *   node --import tsx scripts/gen-proto-schema.ts \
 *     --api /work/.mirror/kubernetes+api/repo@release-1.32 \
 *     --apimachinery /work/.mirror/kubernetes+apimachinery/repo@release-1.32 \
 *     --apiextensions /work/.mirror/kubernetes+apiextensions-apiserver/repo@release-1.32
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface Source {
  gitDir: string;
  ref: string;
}

/** One Go package holding a generated.proto: where it is and which apiVersion it serves. */
interface PackageSpec {
  repo: 'api' | 'apimachinery' | 'apiextensions';
  dir: string;
  /** Group for the apiVersion key; undefined for packages with no served kinds (runtime, intstr). */
  group?: string;
}

interface GoField {
  json: string;
  pointer: boolean;
  omitempty: boolean;
  inline: boolean;
}

interface ProtoFieldFact {
  number: number;
  name: string;
  type: string;
  repeated: boolean;
  ref?: string;
  mapValue?: string;
}

interface ProtoMessageFact {
  name: string;
  fields: ProtoFieldFact[];
  /** `+protobuf.nullable=true` on a one-field `items` message: a Go named slice (`Verbs`, `ExtraValue`). */
  listWrapper: boolean;
}

const API_GROUPS = [
  'core/v1', 'apps/v1', 'batch/v1', 'autoscaling/v1', 'autoscaling/v2', 'networking/v1', 'discovery/v1',
  'policy/v1', 'coordination/v1', 'scheduling/v1', 'storage/v1', 'events/v1', 'rbac/v1', 'authentication/v1',
];

const PACKAGES: PackageSpec[] = [
  ...API_GROUPS.map((dir): PackageSpec => ({ repo: 'api', dir, group: '' })),
  { repo: 'apimachinery', dir: 'pkg/apis/meta/v1', group: 'meta.k8s.io' },
  { repo: 'apimachinery', dir: 'pkg/runtime' },
  { repo: 'apimachinery', dir: 'pkg/runtime/schema' },
  { repo: 'apimachinery', dir: 'pkg/util/intstr' },
  { repo: 'apimachinery', dir: 'pkg/api/resource' },
  { repo: 'apiextensions', dir: 'pkg/apis/apiextensions/v1', group: '' },
];

const SCALARS = new Set([
  'string', 'bytes', 'bool', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64',
  'fixed32', 'fixed64', 'sfixed32', 'sfixed64', 'double', 'float',
]);

function git(src: Source, ...args: string[]): string {
  return execFileSync('git', ['--git-dir', src.gitDir, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

function parseArgs(): Record<PackageSpec['repo'], Source> {
  const mirror = '/work/.mirror';
  const out: Record<string, string> = {
    api: `${mirror}/kubernetes+api/repo@release-1.32`,
    apimachinery: `${mirror}/kubernetes+apimachinery/repo@release-1.32`,
    apiextensions: `${mirror}/kubernetes+apiextensions-apiserver/repo@release-1.32`,
  };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = argv[i + 1];
  const src = (v: string): Source => ({ gitDir: v.slice(0, v.lastIndexOf('@')), ref: v.slice(v.lastIndexOf('@') + 1) });
  return { api: src(out.api), apimachinery: src(out.apimachinery), apiextensions: src(out.apiextensions) };
}

function resolveType(type: string, pkg: string): string {
  if (SCALARS.has(type)) return type;
  return type.startsWith('.') ? type.slice(1) : `${pkg}.${type}`;
}

/** Messages of one generated.proto, fields in declaration (Go struct) order. */
function parseProto(text: string): { pkg: string; messages: ProtoMessageFact[] } {
  const lines = text.replace(/\/\*[\s\S]*?\*\//g, '').split('\n');
  const pkg = /^package ([\w.]+);/m.exec(text)?.[1] ?? '';
  const messages: ProtoMessageFact[] = [];
  let comments = '';
  let current: ProtoMessageFact | undefined;
  let nullable = false;
  for (const raw of lines) {
    const line = raw.trim();
    if (line.startsWith('//')) {
      comments += line + '\n';
      continue;
    }
    const head = /^message (\w+) \{$/.exec(line);
    if (head) {
      nullable = comments.includes('+protobuf.nullable=true');
      current = { name: `${pkg}.${head[1]}`, fields: [], listWrapper: false };
    } else if (current && line === '}') {
      const f = current.fields;
      current.listWrapper = nullable && f.length === 1 && f[0].name === 'items' && f[0].repeated;
      messages.push(current);
      current = undefined;
    } else if (current) {
      const field = /^(optional|repeated|required) ([\w.]+) (\w+) = (\d+);$/.exec(line);
      const map = /^map<([\w.]+), ?([\w.]+)> (\w+) = (\d+);$/.exec(line);
      if (field) {
        const type = resolveType(field[2], pkg);
        const scalar = SCALARS.has(type);
        current.fields.push({
          number: Number(field[4]), name: field[3], type: scalar ? type : 'message',
          repeated: field[1] === 'repeated', ref: scalar ? undefined : type,
        });
      } else if (map) {
        current.fields.push({
          number: Number(map[4]), name: map[3], type: 'map', repeated: false,
          ref: resolveType(map[1], pkg), mapValue: resolveType(map[2], pkg),
        });
      } else if (line !== '' && !line.startsWith('option ')) {
        throw new Error(`unparsed proto line in ${current.name}: ${line}`);
      }
    }
    if (line !== '') comments = '';
  }
  return { pkg, messages };
}

/** Struct fields that carry a protobuf tag, keyed by struct name then field number. */
function parseGoStructs(text: string, into: Map<string, Map<number, GoField>>): void {
  let current: Map<number, GoField> | undefined;
  for (const line of text.split('\n')) {
    if (!current) {
      const head = /^type (\w+) struct \{$/.exec(line);
      if (head) into.set(head[1], (current = new Map()));
      continue;
    }
    if (line === '}') {
      current = undefined;
      continue;
    }
    const m = /^\t(?:\w+\s+)?([^\s`]+)\s+`([^`]*)`/.exec(line);
    const proto = m && /protobuf:"[a-z0-9]+,(\d+),/.exec(m[2]);
    if (!m || !proto) continue;
    const json = /json:"([^"]*)"/.exec(m[2])?.[1].split(',') ?? [];
    current.set(Number(proto[1]), {
      json: json[0] ?? '',
      pointer: m[1].startsWith('*'),
      omitempty: json.includes('omitempty'),
      inline: json.includes('inline'),
    });
  }
}

function isGoSource(path: string): boolean {
  const file = path.slice(path.lastIndexOf('/') + 1);
  return file.endsWith('.go') && !/_test\.go$|^generated\.pb\.go$|^zz_generated|swagger_doc|fuzz/.test(file);
}

/** One emitted field tuple, as TypeScript source. */
function fieldSource(f: ProtoFieldFact, go: GoField | undefined): string {
  const name = go && go.json !== '' && go.json !== '-' ? go.json : f.name;
  const flags = (f.repeated ? 1 : 0) | (go?.pointer ? 2 : 0) | (go?.omitempty ? 4 : 0) | (go?.inline ? 8 : 0);
  const parts = [String(f.number), `'${name}'`, `'${f.type}'`, String(flags)];
  if (f.ref !== undefined) parts.push(`'${f.ref}'`);
  if (f.mapValue !== undefined) parts.push(`'${f.mapValue}'`);
  return `[${parts.join(', ')}]`;
}

function main(): void {
  const sources = parseArgs();
  const packages: string[] = [];
  const messages: string[] = [];
  const wrappers: string[] = [];
  for (const spec of PACKAGES) {
    const src = sources[spec.repo];
    const { pkg, messages: facts } = parseProto(git(src, 'show', `${src.ref}:${spec.dir}/generated.proto`));
    const structs = new Map<string, Map<number, GoField>>();
    for (const path of git(src, 'ls-tree', '--name-only', src.ref, `${spec.dir}/`).split('\n')) {
      if (isGoSource(path)) parseGoStructs(git(src, 'show', `${src.ref}:${path}`), structs);
    }
    if (spec.group !== undefined) {
      const version = spec.dir.slice(spec.dir.lastIndexOf('/') + 1);
      // The group is register.go's `GroupName` constant (meta/v1's is given: it registers under several).
      const register = spec.group ? '' : git(src, 'show', `${src.ref}:${spec.dir}/register.go`);
      const group = spec.group || (/GroupName = "([\w.]*)"/.exec(register)?.[1] ?? '');
      packages.push(`  '${group ? `${group}/${version}` : version}': '${pkg}',`);
    }
    for (const msg of facts) {
      const go = structs.get(msg.name.slice(pkg.length + 1));
      const unmatched = msg.fields.filter((f) => go && !go.has(f.number)).map((f) => f.name);
      if (unmatched.length > 0) console.warn(`${msg.name}: no Go field for ${unmatched.join(', ')}`);
      if (!go) console.warn(`${msg.name}: no Go struct (flags from the proto only)`);
      messages.push(`  '${msg.name}': [${msg.fields.map((f) => fieldSource(f, go?.get(f.number))).join(', ')}],`);
      if (msg.listWrapper) wrappers.push(`  '${msg.name}',`);
    }
  }
  const out = [
    '// Generated by scripts/gen-proto-schema.ts from the generated.proto files and Go API types of',
    '// kubernetes/api, kubernetes/apimachinery and kubernetes/apiextensions-apiserver. Do not edit.',
    "import type { ProtoField } from './proto-schema.ts';",
    '',
    '/** apiVersion -> proto package. */',
    'export const PROTO_PACKAGES: Readonly<Record<string, string>> = {',
    ...packages,
    '};',
    '',
    '/** Full message name -> fields in Go struct order. */',
    'export const PROTO_MESSAGES: Readonly<Record<string, readonly ProtoField[]>> = {',
    ...messages.sort(),
    '};',
    '',
    '/** Messages standing for a Go named slice (`repeated items = 1`): they encode as a plain JSON array. */',
    'export const PROTO_LIST_WRAPPERS: ReadonlySet<string> = new Set([',
    ...wrappers.sort(),
    ']);',
    '',
  ].join('\n');
  const target = fileURLToPath(new URL('../src/api/protobuf/proto-schema-data.ts', import.meta.url));
  writeFileSync(target, out);
  console.log(`wrote ${messages.length} messages, ${packages.length} packages to ${target}`);
}

main();
