import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { age, humanDuration } from './duration.ts';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

describe('humanDuration (apimachinery duration.HumanDuration)', () => {
  test('tolerates up to two seconds of clock skew, then reports <invalid>', () => {
    assert.equal(humanDuration(-1500), '0s');
    assert.equal(humanDuration(-2 * s), '<invalid>');
  });

  test('seconds up to two minutes', () => {
    assert.equal(humanDuration(0), '0s');
    assert.equal(humanDuration(5 * s + 999), '5s');
    assert.equal(humanDuration(119 * s), '119s');
  });

  test('minutes with seconds below ten minutes, whole minutes below three hours', () => {
    assert.equal(humanDuration(2 * m), '2m');
    assert.equal(humanDuration(2 * m + 3 * s), '2m3s');
    assert.equal(humanDuration(9 * m + 59 * s), '9m59s');
    assert.equal(humanDuration(10 * m + 30 * s), '10m');
    assert.equal(humanDuration(179 * m), '179m');
  });

  test('hours with minutes below eight hours, whole hours below two days', () => {
    assert.equal(humanDuration(3 * h), '3h');
    assert.equal(humanDuration(5 * h + 3 * m), '5h3m');
    assert.equal(humanDuration(8 * h + 59 * m), '8h');
    assert.equal(humanDuration(47 * h), '47h');
  });

  test('days with hours below eight days, whole days below two years', () => {
    assert.equal(humanDuration(2 * d + 4 * h), '2d4h');
    assert.equal(humanDuration(3 * d), '3d');
    assert.equal(humanDuration(8 * d + 5 * h), '8d');
    assert.equal(humanDuration(729 * d), '729d');
  });

  test('years with days below eight years, whole years after', () => {
    assert.equal(humanDuration(730 * d), '2y');
    assert.equal(humanDuration(740 * d), '2y10d');
    assert.equal(humanDuration(365 * 8 * d + 40 * d), '8y');
  });
});

describe('since', () => {
  test('ages a timestamp against the given clock, <unknown> when unset', () => {
    const now = Date.parse('2024-05-01T12:00:00Z');
    assert.equal(age({ now }, '2024-05-01T11:58:30Z'), '90s');
    assert.equal(age({ now }, '2024-04-29T08:00:00Z'), '2d4h');
    assert.equal(age({ now }, undefined), '<unknown>');
    assert.equal(age({ now }, ''), '<unknown>');
  });
});
