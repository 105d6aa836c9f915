import type { KubeObject } from '../../api/object.ts';
import { printTable, rowPrinter, type RowPrinter } from '../tables/table.ts';
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

/** Rows are serialized into pieces of about this many characters, each encoded once. */
const PIECE_CHARS = 32 * 1024;

/**
 * A Table of `items` as the pieces of its JSON body, for large lists. `rowText` gives each item's
 * row as JSON text: printed from the object ({@link objectRowText}), or taken from what the watch
 * cache remembers (cached-table-rows.ts), so that a caller holding only bytes need not parse every
 * object. Rows are gathered into pieces of ~32 K characters, so no string or buffer of the whole
 * body is ever built (encoding one multi-megabyte string costs more than printing the rows).
 */
export function tableBody<T>(ctx: HandlerContext, items: readonly T[], listMeta: Record<string, unknown>, rowText: (item: T, printer: RowPrinter) => string): Buffer[] {
  const printer = rowPrinter(ctx.info, { includeObject: includeObjectOf(ctx.query), now: Date.now() });
  const head = JSON.stringify({ kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: listMeta, columnDefinitions: printer.columnDefinitions });
  // The envelope ends with its last field; the rows array is appended as the last field instead.
  const parts: Buffer[] = [Buffer.from(`${head.slice(0, -1)},"rows":[`)];
  let piece: string[] = [];
  let chars = 0;
  for (let i = 0; i < items.length; i++) {
    const text = rowText(items[i], printer);
    piece.push(i === 0 ? text : `,${text}`);
    chars += text.length + 1;
    if (chars >= PIECE_CHARS) {
      parts.push(Buffer.from(piece.join('')));
      piece = [];
      chars = 0;
    }
  }
  piece.push(']}');
  parts.push(Buffer.from(piece.join('')));
  return parts;
}

/** A row printed from the object itself. */
export function objectRowText(object: KubeObject, printer: RowPrinter): string {
  return JSON.stringify(printer.row(object));
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
