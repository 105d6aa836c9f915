/**
 * Storage error beyond the shared interface: a read at, or compaction to, a revision newer than the
 * newest committed one. Mirrors etcd's ErrFutureRev ("mvcc: required revision is a future revision"),
 * which Kubernetes surfaces as "Too large resource version".
 */

/** The error every backend raises for reads or compactions beyond the newest revision (etcd's ErrFutureRev). */
export class FutureRevisionError extends Error {
  constructor(
    readonly requested: number,
    readonly current: number,
  ) {
    super(`mvcc: required revision ${requested} is a future revision (current ${current})`);
    this.name = 'FutureRevisionError';
  }
}
