/**
 * Reads the proto3 subset skiff's CRI file uses (`api.proto`): one package, flat messages with
 * scalar, enum, message, `repeated` and `map<string, string>` fields, enums, and services of
 * unary methods. Anything else (nested types, oneof, options, imports, streams) is refused, so a
 * future edit of the file that needs more fails loudly at start instead of mis-encoding.
 */

/** The scalar types the codec knows; anything else names an enum or a message of the file. */
export const SCALARS = new Set(['string', 'bytes', 'bool', 'int32', 'uint32', 'int64', 'uint64']);

/** One field: the proto name, its JavaScript (lowerCamelCase) name, number and type. */
export interface ProtoFieldDef {
  name: string;
  jsName: string;
  number: number;
  /** A scalar type name, or an enum/message name of the file. */
  type: string;
  kind: 'scalar' | 'enum' | 'message' | 'map';
  repeated: boolean;
}

/** A parsed proto file: messages (fields in declaration order), enums and unary methods. */
export interface ProtoSchema {
  package: string;
  messages: Map<string, ProtoFieldDef[]>;
  /** Enum name -> value names by number, and numbers by name. */
  enums: Map<string, { names: Map<number, string>; numbers: Map<string, number> }>;
  /** `Service/Method` -> request and response message names. */
  methods: Map<string, { service: string; input: string; output: string }>;
}

/** protobufjs/proto-loader's camelCase: `runtime_api_version` -> `runtimeApiVersion`. */
export function camelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
}

/** Parses the proto text; throws on any construct outside the subset. */
export function parseProto(text: string): ProtoSchema {
  const src = stripComments(text);
  const schema: ProtoSchema = { package: '', messages: new Map(), enums: new Map(), methods: new Map() };
  const pending: { message: string; field: Omit<ProtoFieldDef, 'kind'> & { map: boolean } }[] = [];
  // Top-level statements: `syntax ...;`, `package ...;`, or `<kind> <Name> { body }` (bodies are not nested).
  const top = /\s*(?:(syntax)\s*=\s*"([^"]*)"\s*;|(package)\s+([\w.]+)\s*;|(message|enum|service)\s+(\w+)\s*\{((?:[^{}]|\{\s*\})*)\})/y;
  let pos = 0;
  while (pos < src.length) {
    if (/^\s*$/.test(src.slice(pos))) break;
    top.lastIndex = pos;
    const m = top.exec(src);
    if (!m) throw new Error(`proto: cannot parse near ${JSON.stringify(src.slice(pos, pos + 40).trim())}`);
    pos = top.lastIndex;
    if (m[1]) {
      if (m[2] !== 'proto3') throw new Error(`proto: only proto3 is supported, not ${m[2]}`);
    } else if (m[3]) {
      schema.package = m[4];
    } else if (m[5] === 'enum') {
      const names = new Map<number, string>();
      const numbers = new Map<string, number>();
      for (const stmt of statements(m[7])) {
        const v = /^(\w+)\s*=\s*(-?\d+)$/.exec(stmt);
        if (!v) throw new Error(`proto: enum ${m[6]}: cannot parse ${JSON.stringify(stmt)}`);
        names.set(Number(v[2]), v[1]);
        numbers.set(v[1], Number(v[2]));
      }
      schema.enums.set(m[6], { names, numbers });
    } else if (m[5] === 'message') {
      schema.messages.set(m[6], []);
      for (const stmt of statements(m[7])) {
        const f = /^(repeated\s+)?(?:map\s*<\s*string\s*,\s*string\s*>|(\w+))\s+(\w+)\s*=\s*(\d+)$/.exec(stmt);
        if (!f) throw new Error(`proto: message ${m[6]}: cannot parse ${JSON.stringify(stmt)}`);
        const map = !f[2];
        pending.push({ message: m[6], field: { name: f[3], jsName: camelCase(f[3]), number: Number(f[4]), type: f[2] ?? 'string', repeated: Boolean(f[1]), map } });
      }
    } else {
      for (const stmt of statements(m[7].replace(/\{\s*\}/g, ';'))) {
        const r = /^rpc\s+(\w+)\s*\(\s*(\w+)\s*\)\s*returns\s*\(\s*(\w+)\s*\)$/.exec(stmt);
        if (!r) throw new Error(`proto: service ${m[6]}: cannot parse ${JSON.stringify(stmt)}`);
        schema.methods.set(`${m[6]}/${r[1]}`, { service: m[6], input: r[2], output: r[3] });
      }
    }
  }
  for (const { message, field } of pending) {
    const kind = field.map ? 'map' : SCALARS.has(field.type) ? 'scalar' : schema.enums.has(field.type) ? 'enum' : schema.messages.has(field.type) ? 'message' : undefined;
    if (!kind) throw new Error(`proto: message ${message}: unknown type ${field.type}`);
    const { map: _map, ...def } = field;
    schema.messages.get(message)!.push({ ...def, kind });
  }
  for (const [name, { input, output }] of schema.methods) {
    if (!schema.messages.has(input) || !schema.messages.has(output)) throw new Error(`proto: ${name} names an unknown message`);
  }
  return schema;
}

/** The `;`-separated statements of a body, trimmed, whitespace collapsed. */
function statements(body: string): string[] {
  return body.split(';').map((s) => s.trim().replace(/\s+/g, ' ')).filter(Boolean);
}
