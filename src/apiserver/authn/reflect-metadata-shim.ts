/**
 * A minimal stand-in for the `reflect-metadata` polyfill, installed on the global `Reflect` only when
 * no real polyfill is present.
 *
 * Why: `@peculiar/x509` 2.x registers its algorithms through `tsyringe`, which refuses to load unless
 * `Reflect.getMetadata` exists. tsyringe only stores and reads constructor parameter metadata, so a
 * per-object metadata table is all it needs. Import this module before `@peculiar/x509` (ES modules
 * evaluate imports in order). Side effect only; exports nothing.
 */

type MetadataTable = Map<unknown, unknown>;

interface ReflectWithMetadata {
  getMetadata?: (key: unknown, target: object) => unknown;
  getOwnMetadata?: (key: unknown, target: object) => unknown;
  defineMetadata?: (key: unknown, value: unknown, target: object) => void;
  hasMetadata?: (key: unknown, target: object) => boolean;
}

const reflect = Reflect as unknown as ReflectWithMetadata;

if (typeof reflect.getMetadata !== 'function') {
  const tables = new WeakMap<object, MetadataTable>();

  const own = (target: object): MetadataTable | undefined => tables.get(target);

  // getMetadata follows the prototype chain, as the real polyfill does; getOwnMetadata does not.
  const lookup = (key: unknown, target: object): unknown => {
    for (let t: object | null = target; t !== null; t = Object.getPrototypeOf(t) as object | null) {
      const table = own(t);
      if (table?.has(key)) return table.get(key);
    }
    return undefined;
  };

  reflect.getMetadata = lookup;
  reflect.hasMetadata = (key, target) => lookup(key, target) !== undefined;
  reflect.getOwnMetadata = (key, target) => own(target)?.get(key);
  reflect.defineMetadata = (key, value, target) => {
    let table = own(target);
    if (!table) tables.set(target, (table = new Map()));
    table.set(key, value);
  };
}

export {};
