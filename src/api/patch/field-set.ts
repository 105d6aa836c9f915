/**
 * Sets of field paths, as server-side apply tracks ownership (sigs.k8s.io/structured-merge-diff
 * fieldpath.Set), and their wire form FieldsV1 (`{"f:spec":{"f:replicas":{}}}`).
 *
 * A path is a list of path elements spelled as in FieldsV1: `f:<field>`, `k:<json of key fields>`
 * for an item of a list-map, `v:<json value>` for an item of a set, `i:<index>` for a list index.
 */

const RANK: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

/** Path elements order as in structured-merge-diff: field names, then keys, values, indexes. */
export function comparePathElements(a: string, b: string): number {
  const ra = RANK[a[0]] ?? 4;
  const rb = RANK[b[0]] ?? 4;
  if (ra !== rb) return ra - rb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A set of paths: the elements that end a member path here, and the subsets below each element. */
export class FieldSet {
  readonly members = new Set<string>();
  readonly children = new Map<string, FieldSet>();

  /** Adds one path. */
  insert(path: readonly string[]): void {
    if (path.length === 0) return;
    let node: FieldSet = this;
    for (const pe of path.slice(0, -1)) {
      let child = node.children.get(pe);
      if (!child) node.children.set(pe, (child = new FieldSet()));
      node = child;
    }
    node.members.add(path[path.length - 1]);
  }

  /** True when `path` is a member. */
  has(path: readonly string[]): boolean {
    let node: FieldSet | undefined = this;
    for (const pe of path.slice(0, -1)) {
      node = node.children.get(pe);
      if (!node) return false;
    }
    return path.length > 0 && node.members.has(path[path.length - 1]);
  }

  /** True when the set holds no path at all. */
  isEmpty(): boolean {
    if (this.members.size > 0) return false;
    for (const child of this.children.values()) if (!child.isEmpty()) return false;
    return true;
  }

  union(other: FieldSet): FieldSet {
    const out = this.copy();
    for (const m of other.members) out.members.add(m);
    for (const [pe, child] of other.children) {
      const mine = out.children.get(pe);
      out.children.set(pe, mine ? mine.union(child) : child.copy());
    }
    return out;
  }

  /** Paths of this set that are not paths of `other` (exact paths; a member does not cover its children). */
  difference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) if (!other.members.has(m)) out.members.add(m);
    for (const [pe, child] of this.children) {
      const theirs = other.children.get(pe);
      const diff = theirs ? child.difference(theirs) : child.copy();
      if (!diff.isEmpty()) out.children.set(pe, diff);
    }
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) if (other.members.has(m)) out.members.add(m);
    for (const [pe, child] of this.children) {
      const theirs = other.children.get(pe);
      if (!theirs) continue;
      const both = child.intersection(theirs);
      if (!both.isEmpty()) out.children.set(pe, both);
    }
    return out;
  }

  /** Removes every path that starts with one of `prefixes` (each a path), as fieldpath.Filter does. */
  withoutPrefixes(prefixes: readonly (readonly string[])[]): FieldSet {
    const out = this.copy();
    for (const prefix of prefixes) {
      if (prefix.length === 0) return new FieldSet();
      let node: FieldSet | undefined = out;
      for (const pe of prefix.slice(0, -1)) node = node?.children.get(pe);
      if (!node) continue;
      node.members.delete(prefix[prefix.length - 1]);
      node.children.delete(prefix[prefix.length - 1]);
    }
    return out;
  }

  copy(): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) out.members.add(m);
    for (const [pe, child] of this.children) out.children.set(pe, child.copy());
    return out;
  }

  /** Every member path, members before children at each level, each level in path-element order. */
  paths(prefix: string[] = []): string[][] {
    const out: string[][] = [];
    for (const m of [...this.members].sort(comparePathElements)) out.push([...prefix, m]);
    for (const pe of [...this.children.keys()].sort(comparePathElements)) out.push(...this.children.get(pe)!.paths([...prefix, pe]));
    return out;
  }

  /** The FieldsV1 form: `.` marks a path that is a member and also has children. */
  toFieldsV1(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const keys = new Set([...this.members, ...[...this.children].filter(([, c]) => !c.isEmpty()).map(([pe]) => pe)]);
    for (const pe of [...keys].sort(comparePathElements)) {
      const child = this.children.get(pe);
      if (child && !child.isEmpty()) {
        out[pe] = this.members.has(pe) ? { '.': {}, ...child.toFieldsV1() } : child.toFieldsV1();
      } else {
        out[pe] = {};
      }
    }
    return out;
  }

  /** Parses FieldsV1; throws on anything that is not a FieldsV1 object. */
  static fromFieldsV1(fields: unknown): FieldSet {
    const out = new FieldSet();
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) throw new Error('FieldsV1 must be an object');
    for (const [pe, value] of Object.entries(fields)) {
      if (pe === '.') continue;
      if (!/^[fkvi]:/.test(pe)) throw new Error(`unknown FieldsV1 path element ${pe}`);
      const child = FieldSet.fromFieldsV1(value);
      const obj = value as Record<string, unknown>;
      if (Object.keys(obj).length === 0 || '.' in obj) out.members.add(pe);
      if (!child.isEmpty()) out.children.set(pe, child);
    }
    return out;
  }
}

/** A path as Kubernetes prints it in conflicts: `.spec.containers[name="nginx"].image`. */
export function pathToString(path: readonly string[]): string {
  return path.map(elementToString).join('');
}

function elementToString(pe: string): string {
  const body = pe.slice(2);
  switch (pe[0]) {
    case 'f':
      return `.${body}`;
    case 'k': {
      const key = JSON.parse(body) as Record<string, unknown>;
      return `[${Object.keys(key)
        .map((k) => `${k}=${JSON.stringify(key[k])}`)
        .sort()
        .join(',')}]`;
    }
    case 'v':
      return `[=${body}]`;
    default:
      return `[${body}]`;
  }
}

/** The `k:` element of a list-map item: the key fields sorted by name, as JSON. */
export function keyElement(key: Record<string, unknown>): string {
  const sorted: Record<string, unknown> = {};
  for (const k of Object.keys(key).sort()) sorted[k] = key[k];
  return `k:${JSON.stringify(sorted)}`;
}
