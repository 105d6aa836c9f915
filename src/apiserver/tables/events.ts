/**
 * The Event printer: LAST SEEN TYPE REASON OBJECT MESSAGE | SUBOBJECT SOURCE FIRST SEEN COUNT NAME.
 * Kubernetes serves core/v1 and events.k8s.io/v1 Events from one store and prints both from the
 * internal (core-shaped) object, so events.k8s.io objects are first mapped to core field names.
 */
import type { KubeObject } from '../../api/object.ts';
import { doc } from './descriptions.ts';
import { age, parseTime } from './duration.ts';
import { column, nameColumn, type PrintContext, type Printer } from './printer.ts';

/** The core/v1 Event fields the printer reads (JSON names, timestamps as strings). */
interface CoreEvent {
  involvedObject?: { kind?: string; name?: string; fieldPath?: string };
  reason?: string;
  message?: string;
  type?: string;
  source?: { component?: string; host?: string };
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  count?: number;
  series?: { count?: number; lastObservedTime?: string };
  /** core/v1 spells ReportingController `reportingComponent` on the wire. */
  reportingComponent?: string;
  reportingInstance?: string;
}

/** The events.k8s.io/v1 spelling of the same fields. */
interface EventsV1Event {
  regarding?: CoreEvent['involvedObject'];
  note?: string;
  reason?: string;
  type?: string;
  deprecatedSource?: CoreEvent['source'];
  deprecatedFirstTimestamp?: string;
  deprecatedLastTimestamp?: string;
  deprecatedCount?: number;
  eventTime?: string;
  series?: CoreEvent['series'];
  reportingController?: string;
  reportingInstance?: string;
}

/** Maps an events.k8s.io/v1 Event onto core/v1 field names, as the API's conversion does. */
export function coreEventOf(event: EventsV1Event): CoreEvent {
  return {
    involvedObject: event.regarding,
    reason: event.reason,
    message: event.note,
    type: event.type,
    source: event.deprecatedSource,
    firstTimestamp: event.deprecatedFirstTimestamp,
    lastTimestamp: event.deprecatedLastTimestamp,
    eventTime: event.eventTime,
    count: event.deprecatedCount,
    series: event.series,
    reportingComponent: event.reportingController,
    reportingInstance: event.reportingInstance,
  };
}

/** `component, host`, falling back to reportingController/reportingInstance, as formatEventSource. */
function eventSource(event: CoreEvent): string {
  const component = event.source?.component || event.reportingComponent || '';
  const instance = event.source?.host || event.reportingInstance || '';
  return instance ? `${component}, ${instance}` : component;
}

function eventCells(name: string, event: CoreEvent, ctx: PrintContext): unknown[] {
  // firstTimestamp falls back to eventTime (events created through the new API carry only that).
  const first = parseTime(event.firstTimestamp) !== undefined ? age(ctx, event.firstTimestamp) : age(ctx, event.eventTime);
  let last = parseTime(event.lastTimestamp) !== undefined ? age(ctx, event.lastTimestamp) : first;
  let count = event.count ?? 0;
  if (event.series) {
    last = age(ctx, event.series.lastObservedTime);
    count = event.series.count ?? 0;
  } else if (count === 0) {
    // Singleton events don't set a count in the new API.
    count = 1;
  }
  const involved = event.involvedObject ?? {};
  const kind = (involved.kind ?? '').toLowerCase();
  const target = involved.name ? `${kind}/${involved.name}` : kind;
  return [last, event.type ?? '', event.reason ?? '', target, involved.fieldPath ?? '', eventSource(event), (event.message ?? '').trim(), first, count, name];
}

const columns = [
  column('Last Seen', 'string', doc('CoreV1Event', 'lastTimestamp')),
  column('Type', 'string', doc('CoreV1Event', 'type')),
  column('Reason', 'string', doc('CoreV1Event', 'reason')),
  column('Object', 'string', doc('CoreV1Event', 'involvedObject')),
  column('Subobject', 'string', doc('V1ObjectReference', 'fieldPath'), 1),
  column('Source', 'string', doc('CoreV1Event', 'source'), 1),
  column('Message', 'string', doc('CoreV1Event', 'message')),
  column('First Seen', 'string', doc('CoreV1Event', 'firstTimestamp'), 1),
  column('Count', 'string', doc('CoreV1Event', 'count'), 1),
  nameColumn(1),
];

/** The printer for core/v1 Events. */
export const eventPrinter: Printer = {
  columns,
  print(object: KubeObject, ctx) {
    return { cells: eventCells(object.metadata.name ?? '', object as unknown as CoreEvent, ctx) };
  },
};

/** The printer for events.k8s.io/v1 Events: the same columns, read through the field mapping. */
export const eventsV1Printer: Printer = {
  columns,
  print(object: KubeObject, ctx) {
    return { cells: eventCells(object.metadata.name ?? '', coreEventOf(object as unknown as EventsV1Event), ctx) };
  },
};
