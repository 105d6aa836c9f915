import type { KubeList, KubeObject } from '../api/object.ts';
import type { Status } from '../api/errors.ts';
import type { ResourceRef } from './resource-ref.ts';
import type { WatchStream } from './watch-stream.ts';

/** A list response with typed items. */
export type ObjectList<T extends KubeObject = KubeObject> = Omit<KubeList, 'items'> & { items: T[] };

/** Options shared by every write: `dryRun=All`, the field manager and the field validation level. */
export interface WriteOptions {
  dryRun?: boolean;
  /** Names the writer in managedFields; the server derives it from the User-Agent when absent. */
  fieldManager?: string;
  fieldValidation?: 'Ignore' | 'Warn' | 'Strict';
  signal?: AbortSignal;
}

/** Query parameters of list (and watch) as Kubernetes names them. */
export interface ListOptions {
  /** Namespace to list in; omitted lists across all namespaces (or a cluster-scoped resource). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
  signal?: AbortSignal;
}

/** Query parameters of a watch. */
export interface WatchOptions extends Omit<ListOptions, 'limit' | 'continue' | 'resourceVersionMatch'> {
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
  sendInitialEvents?: boolean;
}

/** The patch formats Kubernetes accepts, by their short names (kubectl's `--type`, plus server-side apply). */
export type PatchType = 'merge' | 'strategic' | 'json' | 'apply';

export interface PatchOptions extends WriteOptions {
  type: PatchType;
  /** Server-side apply only: take ownership of conflicting fields. */
  force?: boolean;
  subresource?: string;
}

/** meta/v1 DeleteOptions. */
export interface DeleteOptions {
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
  signal?: AbortSignal;
}

/**
 * The client surface components program against. `RestClient` implements it over HTTPS; tests of
 * controllers may implement it with a fake that records writes. Every failure the server reports is
 * thrown as a `StatusError` carrying the server's code and reason (`err.code === 409`).
 */
export interface KubeClient {
  get<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string | undefined, name: string, opts?: { signal?: AbortSignal }): Promise<T>;
  list<T extends KubeObject = KubeObject>(ref: ResourceRef, opts?: ListOptions): Promise<ObjectList<T>>;
  /** Creates in `obj.metadata.namespace` (or `opts.namespace`); returns the stored object. */
  create<T extends KubeObject = KubeObject>(ref: ResourceRef, obj: T, opts?: WriteOptions & { namespace?: string }): Promise<T>;
  /** Replaces the object (PUT); a stale `metadata.resourceVersion` fails with 409 Conflict. */
  update<T extends KubeObject = KubeObject>(ref: ResourceRef, obj: T, opts?: WriteOptions): Promise<T>;
  /** Replaces the status subresource (PUT .../status). */
  updateStatus<T extends KubeObject = KubeObject>(ref: ResourceRef, obj: T, opts?: WriteOptions): Promise<T>;
  patch<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string | undefined, name: string, patch: unknown, opts: PatchOptions): Promise<T>;
  /** Deletes one object; resolves with what the server returns (the object while it finalizes, or a Status). */
  delete(ref: ResourceRef, namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<KubeObject | Status>;
  /** Opens a watch; resolves once the server accepted it (a refused watch rejects with its StatusError). */
  watch<T extends KubeObject = KubeObject>(ref: ResourceRef, opts?: WatchOptions): Promise<WatchStream<T>>;
}
