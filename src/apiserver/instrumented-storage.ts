import type { ListOptions, ListResult, KeyValue, Storage, WatchCallbacks, WatchHandle } from '../storage/interface.ts';
import type { ApiMetrics } from './metrics.ts';

/** The resource part of a key (`/registry/apps/deployments/ns/x` -> `deployments.apps`), the `type` label Kubernetes uses. */
function typeOf(key: string): string {
  const [, , group, resource] = key.split('/');
  return group === 'core' || !group ? resource ?? '' : `${resource}.${group}`;
}

/**
 * Wraps a store so every call is timed into `etcd_request_duration_seconds{operation,type}`, the
 * storage latency metric of kube-apiserver (named after etcd whatever the backend).
 */
export class InstrumentedStorage implements Storage {
  constructor(
    private readonly inner: Storage,
    private readonly metrics: ApiMetrics,
  ) {}

  private async timed<T>(operation: string, key: string, run: () => Promise<T>): Promise<T> {
    const started = process.hrtime.bigint();
    try {
      return await run();
    } finally {
      this.metrics.observeStorage(operation, typeOf(key), Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  currentRevision(): Promise<number> {
    return this.inner.currentRevision();
  }
  compactRevision(): Promise<number> {
    return this.inner.compactRevision();
  }
  get(key: string): Promise<KeyValue | undefined> {
    return this.timed('get', key, () => this.inner.get(key));
  }
  list(prefix: string, options?: ListOptions): Promise<ListResult> {
    return this.timed('list', prefix, () => this.inner.list(prefix, options));
  }
  create(key: string, value: string): Promise<number> {
    return this.timed('create', key, () => this.inner.create(key, value));
  }
  update(key: string, value: string, expectedRevision: number): Promise<number> {
    return this.timed('update', key, () => this.inner.update(key, value, expectedRevision));
  }
  delete(key: string, expectedRevision?: number): Promise<{ revision: number; prev: KeyValue }> {
    return this.timed('delete', key, () => this.inner.delete(key, expectedRevision));
  }
  watch(prefix: string, afterRevision: number, callbacks: WatchCallbacks): WatchHandle {
    return this.inner.watch(prefix, afterRevision, callbacks);
  }
  compact(revision: number): Promise<void> {
    return this.inner.compact(revision);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
