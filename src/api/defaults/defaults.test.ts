import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../object.ts';
import { findResource, type ResourceInfo } from '../registry.ts';
import { applyCreateDefaults, applyDefaults } from './index.ts';

function info(group: string, version: string, resource: string): ResourceInfo {
  const found = findResource(group, version, resource);
  assert.ok(found, `${resource} is registered`);
  return found;
}

function created(i: ResourceInfo, obj: KubeObject): KubeObject {
  applyDefaults(i, obj);
  applyCreateDefaults(i, obj);
  return obj;
}

describe('pod defaults', () => {
  const pods = info('', 'v1', 'pods');
  const seedPod = (): KubeObject => ({
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'nginx', namespace: 'default', labels: { app: 'nginx' } },
    spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }] }] },
  });

  test('the seed nginx pod gets what kubectl get -o yaml shows on Kubernetes', () => {
    const pod = created(pods, seedPod());
    assert.deepEqual(pod.spec, {
      containers: [{
        name: 'nginx', image: 'nginx', imagePullPolicy: 'Always',
        ports: [{ containerPort: 80, protocol: 'TCP' }],
        resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File',
      }],
      dnsPolicy: 'ClusterFirst', enableServiceLinks: true, preemptionPolicy: 'PreemptLowerPriority', priority: 0,
      restartPolicy: 'Always', schedulerName: 'default-scheduler', securityContext: {},
      serviceAccount: 'default', serviceAccountName: 'default', terminationGracePeriodSeconds: 30,
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ],
    });
    assert.deepEqual(pod.status, { phase: 'Pending', qosClass: 'BestEffort' });
  });

  test('defaulting is idempotent and keeps user values', () => {
    const pod = seedPod();
    (pod.spec as { restartPolicy?: string }).restartPolicy = 'Never';
    applyDefaults(pods, pod);
    const once = structuredClone(pod);
    applyDefaults(pods, pod);
    assert.deepEqual(pod, once);
    assert.equal((pod.spec as { restartPolicy: string }).restartPolicy, 'Never');
  });

  test('imagePullPolicy follows the tag; probes, volumes and limits get their defaults', () => {
    const pod: KubeObject = {
      metadata: { name: 'p' },
      spec: {
        containers: [
          { name: 'a', image: 'nginx:1.27', livenessProbe: { httpGet: { port: 80 } }, resources: { limits: { cpu: '1', memory: '1Gi' } } },
          { name: 'b', image: 'registry:5000/app:latest' },
          { name: 'c', image: 'nginx@sha256:abc' },
        ],
        volumes: [{ name: 'cfg', configMap: { name: 'x' } }, { name: 'tmp' }],
      },
    };
    created(pods, pod);
    const spec = pod.spec as { containers: Record<string, any>[]; volumes: Record<string, any>[] };
    assert.deepEqual(spec.containers.map((c) => c.imagePullPolicy), ['IfNotPresent', 'Always', 'IfNotPresent']);
    assert.deepEqual(spec.containers[0].livenessProbe, { httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
    assert.deepEqual(spec.containers[0].resources.requests, { cpu: '1', memory: '1Gi' });
    assert.deepEqual(spec.volumes, [{ name: 'cfg', configMap: { name: 'x', defaultMode: 420 } }, { name: 'tmp', emptyDir: {} }]);
    assert.equal((pod.status as { qosClass: string }).qosClass, 'Burstable');
  });
});

describe('workload defaults', () => {
  test('Deployment', () => {
    const d: KubeObject = {
      metadata: { name: 'web', namespace: 'default' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } },
    };
    created(info('apps', 'v1', 'deployments'), d);
    const spec = d.spec as Record<string, any>;
    assert.equal(spec.replicas, 1);
    assert.deepEqual(spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
    assert.equal(spec.revisionHistoryLimit, 10);
    assert.equal(spec.progressDeadlineSeconds, 600);
    assert.equal(spec.template.spec.restartPolicy, 'Always');
    assert.equal(spec.template.spec.containers[0].imagePullPolicy, 'Always');
    // Pod-only defaults and admission additions stay out of templates, as in Kubernetes.
    assert.equal(spec.template.spec.enableServiceLinks, undefined);
    assert.equal(spec.template.spec.serviceAccountName, undefined);
  });

  test('StatefulSet, DaemonSet, Job, CronJob', () => {
    const template = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'x', image: 'busybox' }] } };
    const sts: KubeObject = { metadata: { name: 's' }, spec: { template: structuredClone(template), volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: {} }] } };
    created(info('apps', 'v1', 'statefulsets'), sts);
    const s = sts.spec as Record<string, any>;
    assert.equal(s.podManagementPolicy, 'OrderedReady');
    assert.deepEqual(s.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    assert.deepEqual(s.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
    assert.equal(s.volumeClaimTemplates[0].spec.volumeMode, 'Filesystem');

    const ds: KubeObject = { metadata: { name: 'd' }, spec: { template: structuredClone(template) } };
    created(info('apps', 'v1', 'daemonsets'), ds);
    assert.deepEqual((ds.spec as any).updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });

    const job: KubeObject = { metadata: { name: 'pi', uid: 'u-1' }, spec: { template: { spec: { containers: [{ name: 'pi', image: 'perl' }], restartPolicy: 'Never' } } } };
    created(info('batch', 'v1', 'jobs'), job);
    const j = job.spec as Record<string, any>;
    assert.deepEqual([j.completions, j.parallelism, j.backoffLimit, j.completionMode, j.suspend, j.podReplacementPolicy], [1, 1, 6, 'NonIndexed', false, 'TerminatingOrFailed']);
    assert.deepEqual(j.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u-1' } });
    assert.deepEqual(j.template.metadata.labels, { 'job-name': 'pi', 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': 'u-1', 'batch.kubernetes.io/controller-uid': 'u-1' });
    assert.equal(job.metadata.labels?.['job-name'], 'pi');

    const cj: KubeObject = { metadata: { name: 'c' }, spec: { schedule: '* * * * *', jobTemplate: { spec: { template: structuredClone(template) } } } };
    created(info('batch', 'v1', 'cronjobs'), cj);
    const c = cj.spec as Record<string, any>;
    assert.deepEqual([c.concurrencyPolicy, c.suspend, c.successfulJobsHistoryLimit, c.failedJobsHistoryLimit], ['Allow', false, 3, 1]);
    assert.equal(c.jobTemplate.spec.backoffLimit, undefined);
  });
});

describe('core object defaults', () => {
  test('Service', () => {
    const svc: KubeObject = { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } };
    created(info('', 'v1', 'services'), svc);
    assert.deepEqual(svc.spec, {
      selector: { app: 'web' }, ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
      sessionAffinity: 'None', type: 'ClusterIP', internalTrafficPolicy: 'Cluster', ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'],
    });
    assert.deepEqual(svc.status, { loadBalancer: {} });
    const lb: KubeObject = { metadata: { name: 'lb' }, spec: { type: 'LoadBalancer', ports: [{ port: 443, targetPort: 'https' }] } };
    applyDefaults(info('', 'v1', 'services'), lb);
    const spec = lb.spec as Record<string, any>;
    assert.equal(spec.externalTrafficPolicy, 'Cluster');
    assert.equal(spec.allocateLoadBalancerNodePorts, true);
    assert.equal(spec.ports[0].targetPort, 'https');
  });

  test('Namespace, Secret, PVC, PV', () => {
    const ns: KubeObject = { metadata: { name: 'team' } };
    created(info('', 'v1', 'namespaces'), ns);
    assert.deepEqual(ns.spec, { finalizers: ['kubernetes'] });
    assert.deepEqual(ns.status, { phase: 'Active' });
    assert.equal(ns.metadata.labels?.['kubernetes.io/metadata.name'], 'team');
    const secret: KubeObject = { metadata: { name: 's' } };
    applyDefaults(info('', 'v1', 'secrets'), secret);
    assert.equal(secret.type, 'Opaque');
    const pvc: KubeObject = { metadata: { name: 'c' }, spec: { accessModes: ['ReadWriteOnce'] } };
    applyDefaults(info('', 'v1', 'persistentvolumeclaims'), pvc);
    assert.equal((pvc.spec as any).volumeMode, 'Filesystem');
    const pv: KubeObject = { metadata: { name: 'v' }, spec: {} };
    applyDefaults(info('', 'v1', 'persistentvolumes'), pv);
    assert.equal((pv.spec as any).persistentVolumeReclaimPolicy, 'Retain');
  });
});
