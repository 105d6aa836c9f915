import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findResource } from '../../api/registry.ts';
import type { KubeObject } from '../../api/object.ts';
import type { HandlerContext } from './context.ts';
import { objectRowText, tableBody, tableOf } from './respond.ts';
import { cachedRowText } from './cached-table-rows.ts';
import { decodeStored, encodeStored } from '../stored-object.ts';

function contextFor(query = ''): HandlerContext {
  return { info: findResource('', 'v1', 'configmaps')!, query: new URLSearchParams(query) } as unknown as HandlerContext;
}

function configMaps(count: number): KubeObject[] {
  return Array.from({ length: count }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `cm-${i}`, namespace: 'default', resourceVersion: String(i + 1), creationTimestamp: '2024-05-01T10:00:00Z', labels: { ü: 'ñ' } },
    data: { a: 'x'.repeat(500), b: 'y' },
  }));
}

test('tableBody is the same Table as tableOf, in pieces, for empty, small and multi-piece lists', () => {
  for (const count of [0, 1, 3, 200]) {
    for (const query of ['', 'includeObject=None', 'includeObject=Object']) {
      const ctx = contextFor(query);
      const items = configMaps(count);
      const meta = { resourceVersion: '42', continue: 'abc' };
      const parts = tableBody(ctx, items, meta, objectRowText);
      const whole = Buffer.concat(parts).toString('utf8');
      const expected = tableOf(ctx, items, meta) as { rows: { cells: unknown[] }[] };
      // Ages depend on the clock; compare everything else exactly.
      const got = JSON.parse(whole) as typeof expected;
      assert.equal(got.rows.length, count);
      for (const row of [...got.rows, ...expected.rows]) row.cells[1] = 'AGE';
      assert.deepEqual(got, JSON.parse(JSON.stringify(expected)));
      if (count === 200 && query === 'includeObject=Object') assert.ok(parts.length > 2, 'a large table is sent in several pieces');
    }
  }
});

test('rows of cache entries (printed, then remembered and re-aged) are the rows printed from the objects', () => {
  const entries = configMaps(50).map((o, i) => decodeStored({ key: `k${i}`, value: encodeStored(o), createRevision: 1, modRevision: i + 1 }));
  const objects = entries.map((e) => e.object);
  for (const query of ['', 'includeObject=None', 'includeObject=Object']) {
    const ctx = contextFor(query);
    const cut = Buffer.concat(tableBody(ctx, entries, { resourceVersion: '9' }, cachedRowText)).toString('utf8');
    const remembered = Buffer.concat(tableBody(ctx, entries, { resourceVersion: '9' }, cachedRowText)).toString('utf8');
    const serialized = Buffer.concat(tableBody(ctx, objects, { resourceVersion: '9' }, objectRowText)).toString('utf8');
    // Same clock second in both (ages): compare parsed, ages masked.
    const mask = (text: string) => {
      const table = JSON.parse(text) as { rows: { cells: unknown[] }[] };
      for (const row of table.rows) row.cells[1] = 'AGE';
      return table;
    };
    assert.deepEqual(mask(cut), mask(serialized), query);
    assert.deepEqual(mask(remembered), mask(serialized), `${query} (remembered rows)`);
  }
});
