/**
 * The checks Kubernetes makes of list and watch options before serving them (apimachinery's
 * ValidateListOptions): resourceVersionMatch only with a resourceVersion on a list, only with
 * sendInitialEvents on a watch, and only the values each allows; sendInitialEvents only on a watch
 * and only with resourceVersionMatch=NotOlderThan. Violations answer 422 Invalid for the kind
 * ListOptions of group meta.k8s.io, as kube-apiserver does.
 */
import { invalid, type StatusCause } from '../../api/errors.ts';

const forbidden = (field: string, message: string): StatusCause => ({ reason: 'FieldValueForbidden', field, message: `Forbidden: ${message}` });

function notSupported(field: string, value: string, supported: string[]): StatusCause {
  return { reason: 'FieldValueNotSupported', field, message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}` };
}

/** Throws 422 Invalid when the options of a list (`watch` false) or watch break Kubernetes' rules. */
export function validateListOptions(query: URLSearchParams, watch: boolean): void {
  const causes = watch ? watchCauses(query) : listCauses(query);
  if (causes.length > 0) throw invalid('ListOptions', 'meta.k8s.io', '', causes);
}

function listCauses(query: URLSearchParams): StatusCause[] {
  const causes: StatusCause[] = [];
  const match = query.get('resourceVersionMatch') ?? '';
  const resourceVersion = query.get('resourceVersion') ?? '';
  if (match) {
    if (!resourceVersion) causes.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided'));
    if (query.get('continue')) causes.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
    if (match !== 'Exact' && match !== 'NotOlderThan') causes.push(notSupported('resourceVersionMatch', match, ['Exact', 'NotOlderThan', '']));
    if (match === 'Exact' && resourceVersion === '0') causes.push(forbidden('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
  }
  if (query.has('sendInitialEvents')) causes.push(forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list'));
  return causes;
}

function watchCauses(query: URLSearchParams): StatusCause[] {
  const causes: StatusCause[] = [];
  const match = query.get('resourceVersionMatch') ?? '';
  const initialEvents = query.has('sendInitialEvents');
  if (initialEvents && match !== 'NotOlderThan') causes.push(forbidden('resourceVersionMatch', 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'));
  if (match) {
    if (!initialEvents) causes.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided'));
    if (match !== 'NotOlderThan') causes.push(notSupported('resourceVersionMatch', match, ['NotOlderThan']));
    if (query.get('continue')) causes.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
  }
  return causes;
}
