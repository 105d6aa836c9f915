/**
 * Table rows of watch-cache entries. The first Table that lists an entry prints its row from the
 * parsed object and remembers it on the entry (entries never change: a new revision is a new
 * entry); later Tables re-age the remembered row (tables/remembered-row.ts) and cut the row's
 * metadata from the entry's bytes, so they parse nothing. `kubectl get pods` over 10,000 pods
 * otherwise parsed all of them every time, since the cache keeps only bytes.
 */
import { peekObject, readWithMetadataSpan, type CachedObject } from '../stored-object.ts';
import { rememberRow, rowCellsText, type RememberedRow } from '../tables/remembered-row.ts';
import { metadataRowObject, type RowPrinter } from '../tables/table.ts';

/** What an entry keeps: its row, and where its metadata lies in its bytes (none: not canonical). */
interface CachedTableRow extends RememberedRow {
  metadataSpan?: [number, number];
}

/** The JSON text of `entry`'s row in a Table printed by `printer`. */
export function cachedRowText(entry: CachedObject, printer: RowPrinter): string {
  // Whole objects in rows (kubectl --sort-by) are rarer; they are printed from the object.
  if (printer.include === 'Object') return JSON.stringify(printer.row(peekObject(entry)));
  let row = entry.tableRow as CachedTableRow | undefined;
  if (!row || row.printer !== printer.printer) {
    const read = readWithMetadataSpan(entry);
    row = { ...rememberRow(printer.printer, read.object, printer.now), metadataSpan: read.metadataSpan };
    entry.tableRow = row;
  }
  const cells = rowCellsText(row, printer.now);
  if (printer.include === 'None') return `${cells},"object":null}`;
  const metadata = row.metadataSpan ? entry.bytes.toString('utf8', row.metadataSpan[0], row.metadataSpan[1]) : JSON.stringify(peekObject(entry).metadata);
  return `${cells},"object":${metadataRowObject(metadata)}}`;
}
