import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/object.ts';
import { endpointSlicePrinter, endpointsPrinter, ingressPrinter, servicePrinter } from './services.ts';

const ctx = { now: Date.parse('2024-05-01T12:00:00Z') };
const meta = { name: 'web', namespace: 'default', creationTimestamp: '2024-05-01T09:00:00Z' };
const svc = (spec: Record<string, unknown>, status: Record<string, unknown> = {}): KubeObject => ({ kind: 'Service', metadata: { ...meta }, spec, status });

describe('service printer', () => {
  test('columns are NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE | SELECTOR', () => {
    assert.deepEqual(servicePrinter.columns.map((c) => [c.name, c.priority]), [
      ['Name', 0], ['Type', 0], ['Cluster-IP', 0], ['External-IP', 0], ['Port(s)', 0], ['Age', 0], ['Selector', 1],
    ]);
  });

  test('ClusterIP service', () => {
    const s = svc({ type: 'ClusterIP', clusterIP: '10.43.0.10', clusterIPs: ['10.43.0.10'], ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }], selector: { k8s: 'dns', app: 'coredns' } });
    assert.deepEqual(servicePrinter.print(s, ctx).cells, ['web', 'ClusterIP', '10.43.0.10', '<none>', '53/UDP,53/TCP', '3h', 'app=coredns,k8s=dns']);
  });

  test('NodePort shows port:nodePort, headless shows None, no selector shows <none>', () => {
    const s = svc({ type: 'NodePort', clusterIPs: ['10.43.1.2'], ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }] });
    assert.deepEqual(servicePrinter.print(s, ctx).cells.slice(1, 5), ['NodePort', '10.43.1.2', '<none>', '80:30080/TCP']);
    assert.equal(servicePrinter.print(s, ctx).cells[6], '<none>');
    const headless = svc({ type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'] });
    assert.deepEqual(servicePrinter.print(headless, ctx).cells.slice(2, 5), ['None', '<none>', '<none>']);
  });

  test('LoadBalancer is <pending> until it has ingress; ExternalName shows the name', () => {
    const lb = svc({ type: 'LoadBalancer', clusterIPs: ['10.43.3.3'], ports: [{ port: 443, nodePort: 31443, protocol: 'TCP' }] });
    assert.equal(servicePrinter.print(lb, ctx).cells[3], '<pending>');
    const ready = svc({ type: 'LoadBalancer', clusterIPs: ['10.43.3.3'], externalIPs: ['192.0.2.9'] }, { loadBalancer: { ingress: [{ ip: '198.51.100.7' }, { hostname: 'lb.example.com' }] } });
    assert.equal(servicePrinter.print(ready, ctx).cells[3], '198.51.100.7,lb.example.com,192.0.2.9');
    const ext = svc({ type: 'ExternalName', externalName: 'db.example.com' });
    assert.deepEqual(servicePrinter.print(ext, ctx).cells.slice(1, 4), ['ExternalName', '<none>', 'db.example.com']);
  });
});

describe('endpoints, endpoint slices and ingresses', () => {
  test('Endpoints lists up to three ip:port with "+ N more..."', () => {
    const ep: KubeObject = { metadata: { ...meta }, subsets: [{ addresses: [{ ip: '10.42.0.1' }, { ip: '10.42.0.2' }], ports: [{ port: 80 }, { port: 443 }] }] };
    assert.equal(endpointsPrinter.print(ep, ctx).cells[1], '10.42.0.1:80,10.42.0.2:80,10.42.0.1:443 + 1 more...');
    assert.equal(endpointsPrinter.print({ metadata: { ...meta } }, ctx).cells[1], '<none>');
  });

  test('EndpointSlice shows ports and addresses, <unset> when empty', () => {
    const slice: KubeObject = { metadata: { ...meta }, addressType: 'IPv4', ports: [{ name: 'http', port: 80 }], endpoints: [{ addresses: ['10.42.0.1'] }] };
    assert.deepEqual(endpointSlicePrinter.print(slice, ctx).cells, ['web', 'IPv4', '80', '10.42.0.1', '3h']);
    assert.deepEqual(endpointSlicePrinter.print({ metadata: { ...meta }, addressType: 'IPv4' }, ctx).cells.slice(2, 4), ['<unset>', '<unset>']);
  });

  test('Ingress shows class, hosts, address and ports', () => {
    const ing: KubeObject = {
      metadata: { ...meta },
      spec: { ingressClassName: 'skiff', rules: [{ host: 'a.example.com' }, { host: 'b.example.com' }], tls: [{ hosts: ['a.example.com'] }] },
      status: { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } },
    };
    assert.deepEqual(ingressPrinter.print(ing, ctx).cells, ['web', 'skiff', 'a.example.com,b.example.com', '192.0.2.1', '80, 443', '3h']);
    assert.deepEqual(ingressPrinter.print({ metadata: { ...meta }, spec: { rules: [{}] } }, ctx).cells.slice(1, 5), ['<none>', '*', '', '80']);
  });
});
