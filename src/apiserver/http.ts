import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { parse as parseYaml } from 'yaml';
import { StatusError, badRequest } from '../api/errors.ts';
import { decodeProtobufObject, isKubernetesProtobuf } from '../api/protobuf/decode.ts';

/** The request and response types the server handles (HTTP/2, or HTTP/1.1 through allowHTTP1). */
export type ApiRequest = IncomingMessage | Http2ServerRequest;
export type ApiResponse = ServerResponse | Http2ServerResponse;

/** Kubernetes refuses request bodies over 3 MiB (apiserver's MaxRequestBodyBytes). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/**
 * Reads the whole body, answering 413 RequestEntityTooLarge past the limit. Collects 'data' events
 * rather than iterating the stream asynchronously: the async iterator costs more than the read of
 * a typical 1 KiB body.
 */
export function readBody(req: ApiRequest, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return Promise.reject(tooLarge(limit));
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        // The rest of the body is discarded so the stream can still carry the 413 answer.
        req.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error('request closed before its body was read'));
    };
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** True when `body` holds nothing but JSON whitespace (an empty request body). */
export function isBlank(body: Buffer): boolean {
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return false;
  }
  return true;
}

function tooLarge(limit: number): StatusError {
  return new StatusError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`);
}

/** The media type of a request body without parameters (`application/json`). */
export function mediaType(req: ApiRequest): string {
  const header = req.headers['content-type'];
  return (Array.isArray(header) ? header[0] : header ?? '').split(';')[0].trim().toLowerCase();
}

/**
 * Parses a JSON or YAML body. Malformed input answers 400 BadRequest, unknown types
 * 415 UnsupportedMediaType, as the Kubernetes decoder does.
 */
export function parseBody(body: Buffer, type: string): unknown {
  if (isKubernetesProtobuf(type)) {
    // kubectl's typed clients send protobuf; answers are JSON, which their Accept header allows.
    if (body.length === 0) throw badRequest('the body of the request was empty');
    try {
      return decodeProtobufObject(body).object;
    } catch (err) {
      throw badRequest(`unable to decode protobuf body: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (isBlank(body)) throw badRequest('the body of the request was empty');
  const text = body.toString('utf8');
  const isYaml = type === 'application/yaml' || type === 'application/apply-patch+yaml' || type === 'application/x-yaml';
  const isJson = type === '' || type === 'application/json' || type.endsWith('+json') || type === 'text/plain';
  if (!isYaml && !isJson) {
    throw new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`);
  }
  try {
    if (isYaml) return parseYaml(text, { maxAliasCount: 100 });
    return JSON.parse(text);
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw badRequest(isYaml ? `error converting YAML to JSON: ${why}` : `couldn't get version/kind; json parse error: ${why}`);
  }
}

/** Writes a JSON body that is already serialized (as text, or as its UTF-8 bytes, which skips an encode). */
export function sendRaw(res: ApiResponse, code: number, json: string | Buffer, contentType = 'application/json'): void {
  if (res.headersSent) return;
  const body = typeof json === 'string' ? Buffer.from(json) : json;
  res.writeHead(code, { 'content-type': contentType, 'content-length': body.length, 'cache-control': 'no-cache, private' });
  res.end(body);
}

/** Small pieces are gathered into writes of about this size (see sendBytes). */
const CHUNK_BYTES = 64 * 1024;

/**
 * Writes a JSON body that is already serialized in pieces (a list assembled from its items' cached
 * bytes), with its content-length as sendRaw sends it. Pieces are gathered into chunks of about
 * 64 KiB: one write per item would cost more in stream bookkeeping than the copy, and one buffer
 * of a whole multi-megabyte body costs more in page faults (chunks this size are recycled by the
 * allocator instead of being mapped afresh).
 */
export function sendBytes(res: ApiResponse, code: number, parts: readonly Buffer[], contentType = 'application/json'): void {
  if (res.headersSent) return;
  let length = 0;
  for (const part of parts) length += part.length;
  res.writeHead(code, { 'content-type': contentType, 'content-length': length, 'cache-control': 'no-cache, private' });
  // Both response types are writable streams taking Buffers; their overload sets differ, so TypeScript cannot call the union.
  const out = res as unknown as { cork(): void; uncork(): void; write(chunk: Buffer): boolean; end(chunk?: Buffer): void };
  out.cork();
  let start = 0;
  let size = 0;
  for (let i = 0; i < parts.length; i++) {
    size += parts[i].length;
    const last = i === parts.length - 1;
    if (size < CHUNK_BYTES && !last) continue;
    const chunk = i === start ? parts[i] : Buffer.concat(parts.slice(start, i + 1), size);
    // The last chunk goes with end() so that it carries the end of the stream (no empty final frame).
    if (last) out.end(chunk);
    else out.write(chunk);
    start = i + 1;
    size = 0;
  }
  if (parts.length === 0) out.end();
  out.uncork();
}

/** Serializes and writes a JSON body. */
export function sendJson(res: ApiResponse, code: number, value: unknown, contentType?: string): void {
  sendRaw(res, code, JSON.stringify(value), contentType);
}

/** Writes a Kubernetes Status for an error. */
export function sendError(res: ApiResponse, err: StatusError): void {
  sendJson(res, err.code, err.toStatus());
}

/** Whether the client asked for a server-side printed Table (`kubectl get`). */
export function wantsTable(req: ApiRequest): boolean {
  const accept = req.headers.accept ?? '';
  return accept.includes('as=Table');
}

/**
 * 406 unless the Accept header allows JSON: Kubernetes answers NotAcceptable for media types it
 * cannot produce (skiff does not speak protobuf, and clients fall back to JSON when told so).
 */
export function checkAcceptable(req: ApiRequest): void {
  const accept = req.headers.accept;
  if (!accept) return;
  const types = accept.split(',').map((t) => t.split(';')[0].trim().toLowerCase());
  const ok = types.some((t) => t === '*/*' || t === 'application/*' || t === 'application/json' || t === 'application/yaml' || t === 'application/json;stream=watch');
  if (!ok) {
    throw new StatusError(406, 'NotAcceptable', `only the following media types are accepted: application/json, application/yaml`);
  }
}

/** A query parameter as a non-negative integer, or undefined; malformed values answer 400. */
export function intParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw badRequest(`invalid value for ${name}: ${JSON.stringify(raw)}`);
  return value;
}
