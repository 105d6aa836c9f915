/**
 * Server-side printing: turns objects into the columns and rows of a meta.k8s.io/v1 Table, as the
 * apiserver does for `kubectl get` (Accept: application/json;as=Table;v=v1;g=meta.k8s.io). The
 * caller wraps the result in the Table envelope (kind, apiVersion, metadata).
 */
import type { KubeObject } from '../../api/object.ts';
import { apiVersionOf, type ResourceInfo } from '../../api/registry.ts';
import { doc } from './descriptions.ts';
import { printerFor } from './index.ts';
import { column, nameColumn, type Printer, type TableColumnDefinition, type TableRowCondition } from './printer.ts';

export type { TableColumnDefinition, TableRowCondition } from './printer.ts';

/** One row: the cells in column order, the object as includeObject asks, and row conditions if any. */
export interface TableRow {
  cells: unknown[];
  object?: unknown;
  conditions?: TableRowCondition[];
}

/** Options of one Table request. */
export interface PrintOptions {
  /**
   * What each row carries in `object`: nothing, a PartialObjectMetadata (Kubernetes' default, and
   * what kubectl gets unless it sorts with --sort-by, when it asks for `Object`), or the object.
   */
  includeObject?: 'None' | 'Metadata' | 'Object';
  /** The clock ages are computed against, in ms since the epoch; defaults to Date.now(). */
  now?: number;
}

/** RFC 3339 at second precision in UTC; the zero time when unset, as Go formats a zero metav1.Time. */
function createdAt(timestamp: string | undefined): string {
  const ms = timestamp ? Date.parse(timestamp) : NaN;
  if (Number.isNaN(ms)) return '0001-01-01T00:00:00Z';
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The apiserver's default table convertor, for resources without a printer: Name and Created At. */
const defaultPrinter: Printer = {
  columns: [nameColumn(), column('Created At', 'date', doc('V1ObjectMeta', 'creationTimestamp'))],
  print(object) {
    return { cells: [object.metadata.name, createdAt(object.metadata.creationTimestamp)] };
  },
};

/** The row object for an includeObject choice: PartialObjectMetadata carries the whole metadata. */
function rowObject(info: ResourceInfo, object: KubeObject, include: 'None' | 'Metadata' | 'Object'): unknown {
  // An empty RawExtension marshals as null, so None still writes `"object": null`.
  if (include === 'None') return null;
  if (include === 'Object') return { ...object, apiVersion: object.apiVersion ?? apiVersionOf(info), kind: object.kind ?? info.kind };
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata };
}

/** Prints one object at a time as a row of one resource's Table (see printTable). */
export interface RowPrinter {
  columnDefinitions: TableColumnDefinition[];
  /** The resource's printer (rows remembered with it can be reused by any RowPrinter of the same). */
  printer: Printer;
  include: 'None' | 'Metadata' | 'Object';
  now: number;
  row(item: KubeObject): TableRow;
}

/** The text of a row's `object` field for includeObject=Metadata, given the metadata's JSON. */
export function metadataRowObject(metadataJson: string): string {
  return `{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":${metadataJson}}`;
}

/**
 * A printer of Table rows for one resource. Columns are those Kubernetes 1.32 defines for the
 * resource (all of them, wide ones with priority 1, since the apiserver always prints wide and
 * kubectl hides priority > 0 columns without `-o wide`); every row has one cell per column.
 * Objects are not modified; the column definitions are shared, so callers must not modify them.
 */
export function rowPrinter(info: ResourceInfo, options: PrintOptions): RowPrinter {
  const printer = printerFor(info.group, info.resource) ?? defaultPrinter;
  const ctx = { now: options.now ?? Date.now() };
  const include = options.includeObject ?? 'Metadata';
  return {
    columnDefinitions: printer.columns,
    printer,
    include,
    now: ctx.now,
    row(item: KubeObject): TableRow {
      const printed = printer.print(item, ctx);
      const row: TableRow = { cells: printed.cells };
      if (printed.conditions) row.conditions = printed.conditions;
      row.object = rowObject(info, item, include);
      return row;
    },
  };
}

/** Prints `items` of one resource as Table columns and rows (see rowPrinter). */
export function printTable(info: ResourceInfo, items: KubeObject[], options: PrintOptions): { columnDefinitions: TableColumnDefinition[]; rows: TableRow[] } {
  const printer = rowPrinter(info, options);
  return { columnDefinitions: printer.columnDefinitions, rows: items.map((item) => printer.row(item)) };
}
