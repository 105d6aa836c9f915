/**
 * Label and node selectors compiled once into predicates, so the hot filter loops evaluate closures
 * instead of re-reading selector objects. Semantics follow metav1.LabelSelectorAsSelector and
 * component-helpers/scheduling/corev1/nodeaffinity.
 */
import type { V1LabelSelector, V1NodeSelectorRequirement, V1NodeSelectorTerm } from '@kubernetes/client-node';

/** A compiled predicate over a label map. */
export type LabelPredicate = (labels: Record<string, string> | undefined) => boolean;

const EVERYTHING: LabelPredicate = () => true;
const NOTHING: LabelPredicate = () => false;

/** Matches everything (labels.Everything()). */
export const matchEverything = EVERYTHING;
/** Matches nothing (labels.Nothing()). */
export const matchNothing = NOTHING;

function requirement(key: string, op: string, values: string[] | undefined): LabelPredicate | undefined {
  const set = new Set(values ?? []);
  switch (op) {
    case 'In':
      if (set.size === 1) {
        const only = values![0];
        return (l) => l !== undefined && l[key] === only;
      }
      return (l) => l !== undefined && key in l && set.has(l[key]);
    case 'NotIn':
      return (l) => l === undefined || !(key in l) || !set.has(l[key]);
    case 'Exists':
      return (l) => l !== undefined && key in l;
    case 'DoesNotExist':
      return (l) => l === undefined || !(key in l);
    case 'Gt':
    case 'Lt': {
      // Gt/Lt take exactly one integer value; the label must exist and parse as an integer.
      if (values?.length !== 1 || !/^[-+]?\d+$/.test(values[0])) return undefined;
      const bound = Number(values[0]);
      const gt = op === 'Gt';
      return (l) => {
        const v = l?.[key];
        if (v === undefined || !/^[-+]?\d+$/.test(v)) return false;
        return gt ? Number(v) > bound : Number(v) < bound;
      };
    }
    default:
      return undefined;
  }
}

function all(preds: LabelPredicate[]): LabelPredicate {
  if (preds.length === 0) return EVERYTHING;
  if (preds.length === 1) return preds[0];
  return (l) => {
    for (let i = 0; i < preds.length; i++) if (!preds[i](l)) return false;
    return true;
  };
}

/**
 * Compiles a metav1.LabelSelector: undefined/null selects nothing, `{}` selects everything,
 * an invalid operator selects nothing (the scheduler treats a conversion error as no match).
 */
export function compileLabelSelector(sel: V1LabelSelector | undefined | null): LabelPredicate {
  if (!sel) return NOTHING;
  const preds: LabelPredicate[] = [];
  for (const key in sel.matchLabels ?? {}) {
    const want = sel.matchLabels![key];
    preds.push((l) => l !== undefined && l[key] === want);
  }
  for (const expr of sel.matchExpressions ?? []) {
    if (expr.operator === 'Gt' || expr.operator === 'Lt') return NOTHING;
    const p = requirement(expr.key, expr.operator, expr.values);
    if (!p) return NOTHING;
    preds.push(p);
  }
  return all(preds);
}

/** Whether a LabelSelector selects everything (`{}`), as labels.Selector.Empty() reports. */
export function isEmptyLabelSelector(sel: V1LabelSelector | undefined | null): boolean {
  return !!sel && Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0;
}

/** A compiled predicate over a node's labels and name. */
export type NodePredicate = (labels: Record<string, string> | undefined, name: string) => boolean;

function fieldRequirement(req: V1NodeSelectorRequirement): NodePredicate | undefined {
  // Only metadata.name is a supported field, with In / NotIn (nodeaffinity validFieldSelectorOperators).
  if (req.key !== 'metadata.name') return undefined;
  const set = new Set(req.values ?? []);
  if (req.operator === 'In') return (_l, name) => set.has(name);
  if (req.operator === 'NotIn') return (_l, name) => !set.has(name);
  return undefined;
}

/** Compiles one node selector term; undefined when the term is empty or invalid (it then matches nothing). */
function compileTerm(term: V1NodeSelectorTerm): NodePredicate | undefined {
  const labels: LabelPredicate[] = [];
  const fields: NodePredicate[] = [];
  if (!term.matchExpressions?.length && !term.matchFields?.length) return undefined;
  for (const r of term.matchExpressions ?? []) {
    const p = requirement(r.key, r.operator, r.values);
    if (!p) return undefined;
    labels.push(p);
  }
  for (const r of term.matchFields ?? []) {
    const p = fieldRequirement(r);
    if (!p) return undefined;
    fields.push(p);
  }
  const labelPred = all(labels);
  return (l, name) => {
    if (!labelPred(l)) return false;
    for (let i = 0; i < fields.length; i++) if (!fields[i](l, name)) return false;
    return true;
  };
}

/**
 * Compiles NodeSelectorTerms, which are ORed: a node matches when any term matches. Empty or
 * invalid terms never match, and an empty term list matches no node (nodeaffinity.NodeSelector).
 */
export function compileNodeSelectorTerms(terms: V1NodeSelectorTerm[] | undefined): NodePredicate {
  const compiled = (terms ?? []).map(compileTerm).filter((p): p is NodePredicate => p !== undefined);
  if (compiled.length === 0) return () => false;
  if (compiled.length === 1) return compiled[0];
  return (l, name) => {
    for (let i = 0; i < compiled.length; i++) if (compiled[i](l, name)) return true;
    return false;
  };
}

/** Compiles one term for preferred scheduling; undefined when it can never match. */
export function compileNodeSelectorTerm(term: V1NodeSelectorTerm): NodePredicate | undefined {
  return compileTerm(term);
}
