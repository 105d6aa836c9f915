/**
 * The shape every resource printer has: its column definitions and a function turning one object
 * into the cells of one row. Printers always produce the wide cells too, because the apiserver's
 * table convertor prints with `Wide: true` and leaves hiding priority > 0 columns to kubectl.
 */
import type { KubeObject } from '../../api/object.ts';
import { doc } from './descriptions.ts';
import type { AgeClock } from './duration.ts';

/** One column of a meta.k8s.io/v1 Table, with Kubernetes' field names. */
export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  /** 0 for columns kubectl always shows; 1 and above only with `-o wide`. */
  priority: number;
}

/** A row condition (`Completed` for pods that finished), as metav1.TableRowCondition. */
export interface TableRowCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** What a printer produces for one object: the cells in column order, and row conditions if any. */
export interface PrintedRow {
  cells: unknown[];
  conditions?: TableRowCondition[];
}

/** Context shared by all rows of one Table: the clock that ages are measured against (ms since epoch). */
export type PrintContext = AgeClock;

/** A server-side printer for one resource. */
export interface Printer {
  columns: TableColumnDefinition[];
  /** The row for one object; must return exactly one cell per column. */
  print(object: KubeObject, ctx: PrintContext): PrintedRow;
}

/** A column definition; `format` and `priority` default to '' and 0 as Kubernetes serializes them. */
export function column(name: string, type: string, description: string, priority = 0, format = ''): TableColumnDefinition {
  return { name, type, format, description, priority };
}

/** The Name column every printer starts with (format `name`). */
export function nameColumn(priority = 0): TableColumnDefinition {
  return column('Name', 'string', doc('V1ObjectMeta', 'name'), priority, 'name');
}

/** The Age column, described by ObjectMeta.creationTimestamp. */
export function ageColumn(): TableColumnDefinition {
  return column('Age', 'string', doc('V1ObjectMeta', 'creationTimestamp'));
}

/** Description of the workload printers' wide CONTAINERS column. */
export const CONTAINERS_DESCRIPTION = 'Names of each container in the template.';
/** Description of the workload printers' wide IMAGES column. */
export const IMAGES_DESCRIPTION = 'Images referenced by each container in the template.';
