import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../errors.ts';
import { labelSelectorString, matchesLabels, parseLabelSelector, selectorFromLabelSelector } from './labels.ts';

function badRequestMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof StatusError);
    assert.equal(err.code, 400);
    assert.equal(err.reason, 'BadRequest');
    return err.message;
  }
  assert.fail('expected a BadRequest');
}

describe('parseLabelSelector', () => {
  test('equality and set-based requirements', () => {
    const sel = parseLabelSelector('tier=web, env==prod,app!=db,zone in (a, b),team notin (x),canary,!legacy');
    const labels = { tier: 'web', env: 'prod', app: 'api', zone: 'b', team: 'y', canary: '' };
    assert.equal(matchesLabels(sel, labels), true);
    assert.equal(matchesLabels(sel, { ...labels, zone: 'c' }), false);
    assert.equal(matchesLabels(sel, { ...labels, legacy: 'true' }), false);
    assert.equal(matchesLabels(sel, { ...labels, app: 'db' }), false);
    const { canary: _c, ...noCanary } = labels;
    assert.equal(matchesLabels(sel, noCanary), false);
    assert.equal(labelSelectorString(sel), 'app!=db,canary,env==prod,!legacy,team notin (x),tier=web,zone in (a,b)');
  });

  test('empty selects everything; != and notin match absent keys; gt/lt', () => {
    assert.equal(matchesLabels(parseLabelSelector(''), undefined), true);
    assert.equal(matchesLabels(parseLabelSelector('a!=b'), {}), true);
    assert.equal(matchesLabels(parseLabelSelector('a notin (b)'), {}), true);
    assert.equal(matchesLabels(parseLabelSelector('a in (b)'), {}), false);
    assert.equal(matchesLabels(parseLabelSelector('n>3'), { n: '4' }), true);
    assert.equal(matchesLabels(parseLabelSelector('n<3'), { n: '4' }), false);
    assert.equal(matchesLabels(parseLabelSelector('x in (in, notin)'), { x: 'notin' }), true);
  });

  test('malformed selectors are 400 with apimachinery messages', () => {
    assert.equal(badRequestMessage(() => parseLabelSelector('a=b,')), "found '', expected: identifier after ','");
    assert.equal(badRequestMessage(() => parseLabelSelector('a in b')), "unable to parse requirement: found 'b' expected: '('");
    assert.equal(badRequestMessage(() => parseLabelSelector('a b')), "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
    assert.equal(badRequestMessage(() => parseLabelSelector('a=b c')), "found 'c', expected: ',' or 'end of string'");
    assert.equal(badRequestMessage(() => parseLabelSelector('a in (b')), "unable to parse requirement: found '', expected: ',' or ')'");
    assert.equal(badRequestMessage(() => parseLabelSelector('=b')), "found '=', expected: !, identifier, or 'end of string'");
    assert.match(badRequestMessage(() => parseLabelSelector('-a=b')), /^unable to parse requirement: <nil>: Invalid value: "-a": name part must consist of/);
    assert.match(badRequestMessage(() => parseLabelSelector('a=-b')), /^unable to parse requirement: values\[0\]\[a\]: Invalid value: "-b": a valid label must be/);
    assert.equal(badRequestMessage(() => parseLabelSelector('n>x')), "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value must be an integer");
  });
});

describe('selectorFromLabelSelector', () => {
  test('matchLabels and matchExpressions', () => {
    const sel = selectorFromLabelSelector({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe', 'be'] }, { key: 'old', operator: 'DoesNotExist' }] });
    assert.equal(matchesLabels(sel, { app: 'web', tier: 'be' }), true);
    assert.equal(matchesLabels(sel, { app: 'web', tier: 'be', old: 'x' }), false);
    assert.equal(labelSelectorString(sel), 'app=web,!old,tier in (be,fe)');
  });

  test('nil selects nothing, empty selects everything, bad operator is 400', () => {
    assert.equal(matchesLabels(selectorFromLabelSelector(undefined), {}), false);
    assert.equal(matchesLabels(selectorFromLabelSelector({}), { a: 'b' }), true);
    assert.equal(badRequestMessage(() => selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Near' }] })), '"Near" is not a valid label selector operator');
  });
});
