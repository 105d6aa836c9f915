import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
// The test (only) loads client-node to prove the generated copy has not drifted from it.
import * as k8s from '@kubernetes/client-node';
import { MODEL_ATTRIBUTES } from './model-attributes-data.ts';
import { modelAttributes } from './patch/patch-meta.ts';

interface LiveAttribute {
  name: string;
  baseName: string;
  type: string;
  format: string;
}

/** client-node's model classes (exports with a static getAttributeTypeMap), by name. */
function liveModels(): Map<string, LiveAttribute[]> {
  const out = new Map<string, LiveAttribute[]>();
  for (const [name, value] of Object.entries(k8s as unknown as Record<string, unknown>)) {
    if (typeof value !== 'function') continue;
    const map = (value as { getAttributeTypeMap?: unknown }).getAttributeTypeMap;
    if (typeof map === 'function') out.set(name, (map as () => LiveAttribute[]).call(value));
  }
  return out;
}

describe('model-attributes-data', () => {
  const live = liveModels();

  test('holds exactly the model classes client-node exports', () => {
    assert.ok(live.size > 500, `client-node exported only ${live.size} models`);
    assert.deepEqual(Object.keys(MODEL_ATTRIBUTES).sort(), [...live.keys()].sort());
  });

  test("every model's attributes equal client-node's live attribute map, in order", () => {
    for (const [model, attrs] of live) {
      const expected = attrs.map((a) => [a.name, a.baseName, a.type, a.format]);
      assert.deepEqual(MODEL_ATTRIBUTES[model], expected, `model ${model} drifted: run scripts/gen-model-attributes.ts`);
    }
  });

  test('modelAttributes reads the generated data keyed by JSON name', () => {
    const list = modelAttributes('V1ListMeta');
    assert.deepEqual(list?.get('continue'), { name: '_continue', baseName: 'continue', type: 'string', format: '' });
    assert.equal(modelAttributes('V1PodSpec')?.get('containers')?.type, 'Array<V1Container>');
    assert.equal(modelAttributes('V1ObjectMeta')?.get('creationTimestamp')?.format, 'date-time');
  });

  test('modelAttributes is undefined for scalars and inherited object keys', () => {
    for (const name of ['string', 'Date', 'any', 'constructor', 'toString', '__proto__', 'NoSuchModel']) {
      assert.equal(modelAttributes(name), undefined, name);
    }
  });
});
