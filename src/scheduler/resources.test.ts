import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Resource, parseQuantity, podRequests, quantityMilli, quantityValue } from './resources.ts';
import { makePod } from './testing.ts';

describe('quantities', () => {
  test('cpu as MilliValue, rounded up', () => {
    assert.equal(quantityMilli('100m'), 100);
    assert.equal(quantityMilli('1.5'), 1500);
    assert.equal(quantityMilli('0.1'), 100);
    assert.equal(quantityMilli('2'), 2000);
    assert.equal(quantityMilli('1u'), 1);
    assert.equal(quantityMilli(0.25), 250);
  });
  test('memory as Value: binary and decimal suffixes, exponents', () => {
    assert.equal(quantityValue('128Mi'), 134217728);
    assert.equal(quantityValue('1G'), 1e9);
    assert.equal(quantityValue('1e3'), 1000);
    assert.equal(quantityValue('1.5Gi'), 1610612736);
    assert.equal(quantityValue('100m'), 1);
    assert.equal(quantityValue('1k'), 1000);
    assert.equal(quantityValue('2E-3'), 1);
  });
  test('parseQuantity gives the plain number; malformed throws', () => {
    assert.equal(parseQuantity('1.5'), 1.5);
    assert.equal(parseQuantity('2Ki'), 2048);
    assert.throws(() => parseQuantity('abc'));
    assert.throws(() => parseQuantity('1Gb'));
  });
});

describe('pod requests', () => {
  test('sum of containers, max with init containers, plus overhead', () => {
    const pod = makePod('p', { spec: {
      containers: [
        { name: 'a', resources: { requests: { cpu: '100m', memory: '100Mi' } } },
        { name: 'b', resources: { requests: { cpu: '200m', 'example.com/gpu': '1' } } },
      ],
      initContainers: [{ name: 'i', resources: { requests: { cpu: '500m', memory: '50Mi' } } }],
      overhead: { cpu: '10m' },
    } });
    const r = podRequests(pod);
    assert.equal(r.milliCPU, 510);
    assert.equal(r.memory, 100 * 2 ** 20);
    assert.equal(r.getScalar('example.com/gpu'), 1);
  });
  test('sidecar init containers add up and count under later init containers', () => {
    const pod = makePod('p', { spec: {
      containers: [{ name: 'a', resources: { requests: { cpu: '100m' } } }],
      initContainers: [
        { name: 'sidecar', restartPolicy: 'Always', resources: { requests: { cpu: '200m' } } },
        { name: 'init', resources: { requests: { cpu: '250m' } } },
      ],
    } });
    // containers 100 + sidecar 200 = 300; init peak = 250 + 200 = 450.
    assert.equal(podRequests(pod).milliCPU, 450);
  });
  test('non-zero requests default missing cpu/memory to 100m / 200Mi', () => {
    const pod = makePod('p');
    assert.equal(podRequests(pod).milliCPU, 0);
    assert.equal(podRequests(pod, true).milliCPU, 100);
    assert.equal(podRequests(pod, true).memory, 200 * 2 ** 20);
    const explicitZero = makePod('z', { cpu: '0' });
    assert.equal(podRequests(explicitZero, true).milliCPU, 0);
  });
  test('Resource add/sub/setMax keep scalars', () => {
    const a = Resource.fromList({ cpu: '1', 'x/y': '2' });
    const b = Resource.fromList({ cpu: '500m', 'x/y': '5' });
    a.setMax(b);
    assert.equal(a.milliCPU, 1000);
    assert.equal(a.getScalar('x/y'), 5);
    a.sub(b);
    assert.equal(a.milliCPU, 500);
    assert.equal(a.getScalar('x/y'), 0);
  });
});
