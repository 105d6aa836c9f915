/**
 * The stored form of an object and the cached form built from it. The store keeps an object's
 * JSON without metadata.resourceVersion (the key's revision supplies it, as in Kubernetes' etcd3
 * store); the watch cache holds the object parsed once and serialized once, with the
 * resourceVersion in place.
 *
 * Values this server writes are canonical: `{"apiVersion":..,"kind":..,"metadata":{..},..}`. For
 * those the cached text is the stored text with `"resourceVersion":"N"` inserted at the start of
 * metadata, so no object is serialized a second time. Anything else (values written by other
 * tools into a shared etcd) is parsed and re-serialized.
 */
import type { KubeObject } from '../api/object.ts';
import type { KeyValue } from '../storage/interface.ts';

/**
 * One object as the cache holds it: parsed once, serialized once. `object` is frozen; writers copy.
 * `json` carries metadata.resourceVersion = the store revision that last wrote it; `bytes` is the
 * same text as UTF-8, encoded once so that responses and lists are written without re-encoding.
 */
export interface CachedObject {
  key: string;
  object: KubeObject;
  json: string;
  bytes: Buffer;
  revision: number;
  /**
   * The entry's Table row as last printed, kept by handlers/cached-table-rows.ts (entries never
   * change: a new revision is a new entry). Derived data, never part of the object.
   */
  tableRow?: unknown;
}

/**
 * The watch cache's entry: the text is kept only as `bytes` (outside the V8 heap, which the garbage
 * collector does not trace), `json` decodes it on each call, and `object` is parsed on demand and
 * kept only until the end of the current turn of the event loop. Every response and watch event is
 * written from `bytes`; `json` is for the rarer callers that need a string (a watch event line once
 * per event, Table rows, collection deletes). Holding the parsed objects of every cached pod (and
 * of every event in the 75-s watch window) kept ~1 GB of small objects alive at 45,000 pods, and
 * every major GC marked them all on the server's one thread (docs/benchmarks.md, session 5).
 * Not a WeakRef: V8's scavenger keeps WeakRef targets alive, so every parsed object was copied
 * and promoted to the old generation before it could die.
 */
class CachedEntry implements CachedObject {
  /** The parsed object while this turn of the event loop lasts (the write that produced it, watchers' predicates). */
  decoded: KubeObject | undefined;
  tableRow?: unknown;

  constructor(
    readonly key: string,
    readonly bytes: Buffer,
    readonly revision: number,
    parsed?: KubeObject,
  ) {
    if (parsed) keepForThisTurn(this, parsed);
  }

  /** The object, frozen (writers copy); parsed again from `bytes` in a later turn. */
  get object(): KubeObject {
    const object = this.decoded ?? keepForThisTurn(this, JSON.parse(this.bytes.toString('utf8')) as KubeObject);
    return deepFreeze(object);
  }

  get json(): string {
    return this.bytes.toString('utf8');
  }
}

/** Entries holding a parsed object, dropped together at the end of the turn. */
let holding: CachedEntry[] = [];

function dropParsed(): void {
  for (const entry of holding) entry.decoded = undefined;
  holding = [];
}

function keepForThisTurn(entry: CachedEntry, object: KubeObject): KubeObject {
  entry.decoded = object;
  if (holding.push(entry) === 1) setImmediate(dropParsed).unref();
  return object;
}

/** The stored value of `object`: canonical key order, no resourceVersion. Does not modify `object`. */
export function encodeStored(object: KubeObject): string {
  return JSON.stringify(canonical(object));
}

/** `object` in canonical key order without metadata.resourceVersion: a new top level and metadata, the rest shared. */
function canonical(object: KubeObject): KubeObject {
  const { apiVersion, kind, metadata, ...rest } = object;
  const { resourceVersion: _rv, ...meta } = metadata;
  return { apiVersion, kind, metadata: meta, ...rest };
}

/*
 * WRITTEN_OBJECTS: a write's value comes back to this process as a watch event, and the cache would
 * parse the text this server has just serialized (~6 us and a second object tree per 1 KiB object,
 * on every write). A value encoded with {@link encodeForWrite} is remembered with the object it was
 * serialized from, by its text, and {@link decodeStored} takes that object instead of parsing the
 * text. It is used only when it is exactly what parsing would give (checked by isJsonExact), and
 * only for the same text: any store event carrying those bytes, from this writer or another, gets an
 * object equal to JSON.parse of them, so the cache's content does not depend on the hint. A value
 * whose write failed is forgotten; the map is bounded for writes whose event never arrives here.
 */
const written = new Map<string, KubeObject>();
const MAX_WRITTEN = 4096;

/**
 * {@link encodeStored} for a value about to be written by the caller, which hands over `object`:
 * neither it nor anything it holds may be modified afterwards (the cache freezes them). Call
 * {@link forgetWritten} with the value if the write fails.
 */
export function encodeForWrite(object: KubeObject): string {
  const value = canonical(object);
  const text = JSON.stringify(value);
  if (!isJsonExact(value, 0)) return text;
  if (written.size >= MAX_WRITTEN) {
    // The oldest entries first: Map iterates in insertion order.
    for (const key of written.keys()) {
      written.delete(key);
      if (written.size < MAX_WRITTEN / 2) break;
    }
  }
  written.set(text, value);
  return text;
}

/** Drops what {@link encodeForWrite} remembered for `value` (its write failed). */
export function forgetWritten(value: string): void {
  written.delete(value);
}

/** Deeper trees are parsed instead (and no stack is spent on them). */
const MAX_EXACT_DEPTH = 64;

/**
 * Whether JSON.parse(JSON.stringify(value)) would rebuild `value` exactly: plain objects and arrays
 * only, no undefined (dropped or turned into null), no non-finite numbers or -0 (turned into null
 * or 0), no functions, symbols, bigints or objects with a toJSON or another prototype.
 */
function isJsonExact(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      if (depth > MAX_EXACT_DEPTH) return false;
      if (Array.isArray(value)) {
        if (Object.getPrototypeOf(value) !== Array.prototype) return false;
        for (let i = 0; i < value.length; i++) if (!isJsonExact(value[i], depth + 1)) return false;
        return true;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) return false;
      for (const key in value) {
        if (!Object.hasOwn(value, key)) return false;
        if (!isJsonExact((value as Record<string, unknown>)[key], depth + 1)) return false;
      }
      return Object.getOwnPropertySymbols(value).length === 0 && !('toJSON' in value);
    }
    default:
      return false;
  }
}

/** The text every canonical value of this apiVersion and kind starts with, up to the inside of metadata. */
function canonicalPrefix(apiVersion: unknown, kind: unknown): string | undefined {
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return undefined;
  return `{"apiVersion":${JSON.stringify(apiVersion)},"kind":${JSON.stringify(kind)},"metadata":{`;
}

/**
 * `value` with `"resourceVersion":"<revision>"` inserted as the first field of metadata, or
 * undefined when `value` is not canonical for `object` (then the caller serializes the object).
 * `object` must be what `value` parses to, and its stored metadata must have had no resourceVersion.
 */
function withResourceVersion(value: string, object: KubeObject, revision: number): string | undefined {
  const prefix = canonicalPrefix(object.apiVersion, object.kind);
  if (!prefix || !value.startsWith(prefix)) return undefined;
  const at = prefix.length;
  const separator = value.charCodeAt(at) === 0x7d /* } */ ? '' : ',';
  return `${value.slice(0, at)}"resourceVersion":"${revision}"${separator}${value.slice(at)}`;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as object)) deepFreeze(child);
  }
  return value;
}

/** The cache entry of a stored value at `revision` (by default the value's own modRevision). */
export function decodeStored(kv: KeyValue, revision = kv.modRevision): CachedObject {
  let object = written.get(kv.value);
  if (object) written.delete(kv.value);
  else object = JSON.parse(kv.value) as KubeObject;
  if (typeof object.metadata !== 'object' || object.metadata === null || Array.isArray(object.metadata)) object.metadata = {};
  // A value stored with a resourceVersion of its own (written by another tool) is re-serialized, never spliced.
  const spliced = object.metadata.resourceVersion === undefined ? withResourceVersion(kv.value, object, revision) : undefined;
  object.metadata.resourceVersion = String(revision);
  const json = spliced ?? JSON.stringify(object);
  return new CachedEntry(kv.key, Buffer.from(json), revision, object);
}

/**
 * `entry`'s object for a read that neither modifies it nor keeps it past the call (a selector
 * check, printing a Table row): the object parsed in this turn when there is one, else parsed
 * afresh and neither frozen nor held to the end of the turn. A list of ten thousand objects then
 * leaves garbage that dies young, rather than ten thousand frozen objects the collector must copy
 * and promote before the turn ends (a 10,000-pod Table spent more time freezing than printing).
 */
export function peekObject(entry: CachedObject, json?: string): KubeObject {
  if (!(entry instanceof CachedEntry)) return entry.object;
  // `json`: the entry's text when the caller has decoded it already (it is decoded once, not twice).
  return entry.decoded ?? (JSON.parse(json ?? entry.json) as KubeObject);
}

/**
 * `entry`'s object ({@link peekObject}) and where its metadata's JSON lies in `entry.bytes` (byte
 * offsets), for a Table row; no span when the cached text is not canonical.
 */
export function readWithMetadataSpan(entry: CachedObject): { object: KubeObject; metadataSpan?: [number, number] } {
  const json = entry.json;
  const object = peekObject(entry, json);
  const range = metadataRange(json, object);
  if (!range) return { object };
  // The canonical prefix is ASCII, so the start is the same in characters and bytes.
  const [start, end] = range;
  return { object, metadataSpan: [start, start + Buffer.byteLength(json.slice(start, end))] };
}

/** Where the metadata object lies in canonical `json` (character offsets), or undefined. */
function metadataRange(json: string, object: KubeObject): [number, number] | undefined {
  const prefix = canonicalPrefix(object.apiVersion, object.kind);
  if (!prefix || !json.startsWith(prefix)) return undefined;
  const start = prefix.length - 1;
  const end = endOfValue(json, start);
  return end < 0 ? undefined : [start, end];
}

/** The index just past the JSON object or array that starts at `start` in `text`, or -1. */
function endOfValue(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // Skip the string, escapes included.
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      depth++;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      if (--depth === 0) return i + 1;
    }
  }
  return -1;
}
