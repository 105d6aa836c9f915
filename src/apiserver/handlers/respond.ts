import type { KubeObject } from '../../api/object.ts';
import { printTable } from '../tables/table.ts';
import { sendRaw, wantsTable } from '../http.ts';
import type { HandlerContext } from './context.ts';

type IncludeObject = 'None' | 'Metadata' | 'Object';

function includeObjectOf(query: URLSearchParams): IncludeObject {
  const value = query.get('includeObject');
  return value === 'None' || value === 'Object' ? value : 'Metadata';
}

/** A meta.k8s.io/v1 Table of `items`, as `kubectl get` asks for. */
export function tableOf(ctx: HandlerContext, items: KubeObject[], listMeta: Record<string, unknown>, withColumns = true): Record<string, unknown> {
  const printed = printTable(ctx.info, items, { includeObject: includeObjectOf(ctx.query), now: Date.now() });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: withColumns ? printed.columnDefinitions : [],
    rows: printed.rows,
  };
}

/** Adds Warning headers collected during the request (field validation in Warn mode). */
export function applyWarnings(ctx: HandlerContext): void {
  if (ctx.warnings.length === 0 || ctx.res.headersSent) return;
  ctx.res.setHeader('Warning', ctx.warnings.map((warning) => `299 - ${JSON.stringify(warning)}`));
}

/** Sends one object, as JSON (its serialized text or bytes when known) or as a one-row Table. */
export function sendObject(ctx: HandlerContext, code: number, object: KubeObject, json?: string | Buffer): void {
  applyWarnings(ctx);
  if (wantsTable(ctx.req)) {
    const table = tableOf(ctx, [object], { resourceVersion: object.metadata.resourceVersion });
    sendRaw(ctx.res, code, JSON.stringify(table), 'application/json;as=Table;v=v1;g=meta.k8s.io');
    return;
  }
  sendRaw(ctx.res, code, json ?? JSON.stringify(object));
}
