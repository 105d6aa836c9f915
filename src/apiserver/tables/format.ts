/**
 * Cell formatting shared by the printers: label sets, label selectors, container lists and
 * "a, b, c + N more..." lists, each written the way Kubernetes' printers write them.
 */
import type { V1Container, V1LabelSelector } from '@kubernetes/client-node';

/** `k1=v1,k2=v2` sorted by key, or `<none>`, as labels.FormatLabels. */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((key) => `${key}=${labels![key]}`).join(',');
}

const OPERATORS: Record<string, string> = { In: ' in ', NotIn: ' notin ', Exists: '', DoesNotExist: '' };

function requirementString(key: string, operator: string, values: string[]): string | undefined {
  if (!(operator in OPERATORS)) return undefined;
  const setBased = operator === 'In' || operator === 'NotIn';
  // labels.NewRequirement rejects an In/NotIn without values and an Exists with values.
  if (setBased ? values.length === 0 : values.length !== 0) return undefined;
  if (operator === 'Exists') return key;
  if (operator === 'DoesNotExist') return `!${key}`;
  // Requirement.String sorts the values on output.
  const sorted = [...values].sort();
  return `${key}${OPERATORS[operator]}(${sorted.join(',')})`;
}

/**
 * The selector as `metav1.LabelSelectorAsSelector(s).String()`: requirements sorted by key,
 * matchLabels as `k=v`, expressions as `k in (a,b)`, `k notin (a)`, `k`, `!k`. A nil or empty
 * selector prints as ''. Undefined when the selector is invalid.
 */
export function selectorString(selector: V1LabelSelector | undefined | null): string | undefined {
  if (!selector) return '';
  const requirements: Array<{ key: string; text: string }> = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) requirements.push({ key, text: `${key}=${value}` });
  for (const expr of selector.matchExpressions ?? []) {
    const text = requirementString(expr.key, expr.operator, expr.values ?? []);
    if (text === undefined) return undefined;
    requirements.push({ key: expr.key, text });
  }
  requirements.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return requirements.map((r) => r.text).join(',');
}

/** As metav1.FormatLabelSelector: the selector string, `<none>` when empty, `<error>` when invalid. */
export function formatLabelSelector(selector: V1LabelSelector | undefined | null): string {
  const text = selectorString(selector);
  if (text === undefined) return '<error>';
  return text === '' ? '<none>' : text;
}

/** Container names and images joined by commas, as the printers' layoutContainerCells. */
export function containerCells(containers: V1Container[] | undefined): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name ?? '').join(','), list.map((c) => c.image ?? '').join(',')];
}

/** `a,b,c + 2 more...` for lists cut at `max` items out of `count`, `<unset>` when empty (listWithMoreString). */
export function listWithMore(list: string[], more: boolean, count: number, max: number): string {
  const joined = list.join(',');
  if (more) return `${joined} + ${count - max} more...`;
  return joined === '' ? '<unset>' : joined;
}

/** `True`, `False` or `<unset>` for an optional boolean, as the printers' printBoolPtr. */
export function boolPtr(value: boolean | undefined | null): string {
  if (value === undefined || value === null) return '<unset>';
  return value ? 'True' : 'False';
}

/** An IntOrString as Go's intstr.String(): the number in decimal, or the string itself. */
export function intOrString(value: number | string | undefined | null): string {
  return value === undefined || value === null ? '' : String(value);
}

/** A resource.Quantity as its String(): skiff keeps quantities in the string form they were given. */
export function quantity(value: unknown): string {
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' && value !== '' ? value : '0';
}
