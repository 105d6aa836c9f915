/**
 * A lean path for EtcdStorage's writes: the encoded TxnRequest goes to etcd's KV/Txn method through
 * one grpc-js channel with identity (de)serializers, skipping etcd3's layers (connection pool,
 * retry and circuit-breaker policies, proto-loader objects) that cost the API server a large part
 * of its CPU per write (see docs/benchmarks.md, "etcd client cost"). Reads, watches and
 * compaction stay on etcd3.
 *
 * Semantics match the etcd3 path for one endpoint: the same transaction, one attempt, the call
 * waits for the channel to be ready (reconnecting after a dropped connection) up to a deadline.
 */
import { Client, Metadata, credentials, type ServiceError } from '@grpc/grpc-js';
import { decodeTxnResponse, type TxnResult } from './txn-codec.ts';

const TXN_METHOD = '/etcdserverpb.KV/Txn';
/** A write waits at most this long for etcd (the etcd3 path's dial timeout is 5 s; a commit is far shorter). */
const CALL_TIMEOUT_MS = 30_000;

const identity = (b: Buffer): Buffer => b;

/** Sends encoded TxnRequests to one etcd endpoint. */
export class TxnClient {
  private readonly client: Client;
  private readonly metadata = new Metadata();

  /** `endpoint` as etcd3 takes it: `http://host:port` (TLS endpoints are not supported here). */
  constructor(endpoint: string) {
    this.client = new Client(endpoint.replace(/^http:\/\//, ''), credentials.createInsecure());
    this.metadata.setOptions({ waitForReady: true });
  }

  /** Whether this client can serve `endpoints` (exactly one plain-HTTP endpoint). */
  static supports(endpoints: readonly string[]): boolean {
    return endpoints.length === 1 && /^http:\/\/[^/]+$/.test(endpoints[0]!);
  }

  /** Runs one encoded transaction and decodes what the store needs from the response. */
  txn(request: Buffer): Promise<TxnResult> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(TXN_METHOD, identity, identity, request, this.metadata, { deadline: Date.now() + CALL_TIMEOUT_MS }, (err: ServiceError | null, res?: Buffer) => {
        if (err || !res) reject(err ?? new Error('etcd Txn returned no response'));
        else {
          try {
            resolve(decodeTxnResponse(res));
          } catch (e) {
            reject(e);
          }
        }
      });
    });
  }

  close(): void {
    this.client.close();
  }
}
