/**
 * Builders of workload objects and a reconcile context for the workload controllers' unit tests
 * (test-only; nothing in the controllers imports it).
 */
import { randomUUID } from 'node:crypto';
import { nowTimestamp, type KubeObject } from '../api/object.ts';
import { FakeClient } from '../client/fake-client.ts';
import type { ResourceRef } from '../client/resource-ref.ts';
import { seededListers, type ReconcileContext } from '../machinery/controller.ts';
import { FakeRecorder } from '../machinery/event-recorder.ts';
import type { Deployment, OwnerReference, Pod, PodTemplate, ReplicaSet } from './workload-types.ts';

/** A template with labels `app=<app>` and one container running `image`. */
export function template(app: string, image = 'nginx:1'): PodTemplate {
  return { metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image }] } };
}

/** A ReplicaSet `name` with uid, generation 1 and a matchLabels selector on `app`. */
export function replicaSet(name: string, replicas: number, app = 'web', extra: Partial<ReplicaSet['metadata']> = {}): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, generation: 1, resourceVersion: '1', creationTimestamp: nowTimestamp(), ...extra },
    spec: { replicas, selector: { matchLabels: { app } }, template: template(app) },
    status: { replicas: 0 },
  };
}

/** A Deployment `name` (RollingUpdate 25%/25%, revisionHistoryLimit 10, progressDeadlineSeconds 600, as defaulted). */
export function deployment(name: string, replicas: number, image = 'nginx:1'): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, generation: 1, resourceVersion: '1', creationTimestamp: nowTimestamp() },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: template(name, image),
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    },
    status: {},
  };
}

/** Options of a test pod. */
export interface PodOptions {
  labels?: Record<string, string>;
  owner?: OwnerReference;
  nodeName?: string;
  phase?: string;
  ready?: boolean;
  /** When the pod became ready (RFC 3339); defaults to an hour ago. */
  readySince?: string;
  created?: string;
  restarts?: number;
  deleting?: boolean;
}

/** A pod in `default` with the given state. */
export function pod(name: string, o: PodOptions = {}): Pod {
  const hourAgo = nowTimestamp(new Date(Date.now() - 3600_000));
  const p: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}-${randomUUID().slice(0, 4)}`, resourceVersion: '1', labels: o.labels ?? { app: 'web' }, creationTimestamp: o.created ?? hourAgo },
    spec: { containers: [{ name: 'c', image: 'nginx:1' }], ...(o.nodeName ? { nodeName: o.nodeName } : {}) },
    status: {
      phase: o.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: o.ready ? 'True' : 'False', lastTransitionTime: o.readySince ?? hourAgo }],
      containerStatuses: [{ restartCount: o.restarts ?? 0 }],
    },
  };
  if (o.owner) p.metadata.ownerReferences = [o.owner];
  if (o.deleting) p.metadata.deletionTimestamp = nowTimestamp();
  return p;
}

/** A controller ownerReference to a ReplicaSet fixture. */
export function ownedBy(owner: KubeObject, kind = 'ReplicaSet', apiVersion = 'apps/v1'): OwnerReference {
  return { apiVersion, kind, name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

/** A reconcile context over a FakeClient, with a FakeRecorder. */
export interface Fixture {
  client: FakeClient;
  recorder: FakeRecorder;
  ctx: ReconcileContext;
}

/**
 * A FakeClient seeded with the objects, and listers holding the very versions the client stored
 * (same resourceVersions, so updates based on the cache do not conflict). The seeding reads are
 * cleared from `client.actions`.
 */
export async function fixture(seed: [ResourceRef, KubeObject[]][]): Promise<Fixture> {
  const client = new FakeClient();
  const stored: [ResourceRef, KubeObject[]][] = [];
  for (const [ref, objects] of seed) {
    client.seed(ref, ...objects);
    stored.push([ref, await Promise.all(objects.map((o) => client.get(ref, o.metadata.namespace, o.metadata.name!)))]);
  }
  client.actions.length = 0;
  const recorder = new FakeRecorder();
  const ctx: ReconcileContext = { client, listers: seededListers(stored), recorder, signal: new AbortController().signal, log: () => {} };
  return { client, recorder, ctx };
}

/** A context over the same client and recorder whose listers hold the client's current objects (the cache caught up). */
export async function resync(f: Fixture, refs: ResourceRef[]): Promise<Fixture> {
  const stored: [ResourceRef, KubeObject[]][] = [];
  for (const ref of refs) stored.push([ref, (await f.client.list(ref)).items]);
  f.client.actions.length = 0;
  return { ...f, ctx: { ...f.ctx, listers: seededListers(stored) } };
}
