/**
 * Label selectors as Kubernetes parses and evaluates them (k8s.io/apimachinery/pkg/labels): the
 * string syntax of `?labelSelector=` and `kubectl -l`, and the structured `LabelSelector` of
 * workload specs (matchLabels / matchExpressions).
 */
import { badRequest } from '../errors.ts';
import { isQualifiedName, isValidLabelValue } from '../validation/names.ts';

/** A selector operator, spelled as in the string syntax (`exists` and `!` are the unary forms). */
export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

/** One requirement on one label key. */
export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  /** Sorted, de-duplicated values (empty for exists / does-not-exist). */
  values: string[];
}

/**
 * A parsed selector: all requirements must hold (AND). `nothing` marks the selector of a nil
 * LabelSelector, which matches no object (labels.Nothing()).
 */
export interface LabelSelector {
  requirements: LabelRequirement[];
  nothing?: boolean;
}

/** The structured selector of workload specs (metav1.LabelSelector). */
export interface LabelSelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

type Token = 'id' | 'in' | 'notin' | '=' | '==' | '!=' | '!' | '(' | ')' | ',' | 'gt' | 'lt' | 'end' | 'error';
interface Scanned {
  tok: Token;
  lit: string;
}

const SYMBOL_TOKENS: Record<string, Token> = { ')': ')', ',': ',', '!': '!', '==': '==', '=': '=', '>': 'gt', '<': 'lt', '!=': '!=', '(': '(' };
const SPECIAL = new Set(['=', '!', '(', ')', ',', '>', '<']);
/** binaryOperators in apimachinery, in the order its error message lists them. */
const BINARY_OPERATORS = 'in, notin, =, ==, !=, gt, lt';

/** Splits selector text into tokens the way the apimachinery lexer does (longest known symbol run). */
function lex(text: string): Scanned[] {
  const out: Scanned[] = [];
  let i = 0;
  for (;;) {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (i >= text.length) {
      out.push({ tok: 'end', lit: '' });
      return out;
    }
    if (SPECIAL.has(text[i])) {
      let buffer = '';
      let last: Scanned | undefined;
      while (i < text.length && SPECIAL.has(text[i])) {
        buffer += text[i];
        const tok = SYMBOL_TOKENS[buffer];
        if (tok) last = { tok, lit: buffer };
        else if (last) break;
        i++;
      }
      out.push(last ?? { tok: 'error', lit: `error expected: keyword found '${buffer}'` });
      continue;
    }
    let word = '';
    while (i < text.length && !SPECIAL.has(text[i]) && !/\s/.test(text[i])) word += text[i++];
    out.push({ tok: word === 'in' ? 'in' : word === 'notin' ? 'notin' : 'id', lit: word });
  }
}

/** Recursive-descent parser over the token list; `in`/`notin` count as identifiers in value position. */
class Parser {
  private pos = 0;
  constructor(private readonly items: Scanned[]) {}

  private lookahead(values: boolean): Scanned {
    return this.adjust(this.items[this.pos], values);
  }

  private consume(values: boolean): Scanned {
    const item = this.items[this.pos];
    if (this.pos < this.items.length - 1) this.pos++;
    return this.adjust(item, values);
  }

  private adjust(item: Scanned, values: boolean): Scanned {
    return values && (item.tok === 'in' || item.tok === 'notin') ? { tok: 'id', lit: item.lit } : item;
  }

  parse(): LabelRequirement[] {
    const requirements: LabelRequirement[] = [];
    for (;;) {
      const { tok, lit } = this.lookahead(true);
      if (tok === 'end') return requirements;
      if (tok !== 'id' && tok !== '!') throw new Error(`found '${lit}', expected: !, identifier, or 'end of string'`);
      try {
        requirements.push(this.requirement());
      } catch (err) {
        throw new Error(`unable to parse requirement: ${(err as Error).message}`);
      }
      const next = this.consume(true);
      if (next.tok === 'end') return requirements;
      if (next.tok !== ',') throw new Error(`found '${next.lit}', expected: ',' or 'end of string'`);
      const after = this.lookahead(true);
      if (after.tok !== 'id' && after.tok !== '!') throw new Error(`found '${after.lit}', expected: identifier after ','`);
    }
  }

  private requirement(): LabelRequirement {
    let first = this.consume(true);
    let negated = false;
    if (first.tok === '!') {
      negated = true;
      first = this.consume(true);
    }
    if (first.tok !== 'id') throw new Error(`found '${first.lit}', expected: identifier`);
    const key = first.lit;
    checkKey(key, '<nil>');
    const ahead = this.lookahead(true).tok;
    if (negated || ahead === 'end' || ahead === ',') return newRequirement(key, negated ? '!' : 'exists', []);
    const op = this.operator();
    const values = op === 'in' || op === 'notin' ? this.valueSet() : this.exactValue();
    return newRequirement(key, op, values);
  }

  private operator(): LabelOperator {
    const { tok, lit } = this.consume(false);
    switch (tok) {
      case 'in': case 'notin': case '=': case '==': case '!=': case 'gt': case 'lt':
        return tok;
      default:
        throw new Error(`found '${lit}', expected: ${BINARY_OPERATORS}`);
    }
  }

  private valueSet(): string[] {
    const open = this.consume(true);
    if (open.tok !== '(') throw new Error(`found '${open.lit}' expected: '('`);
    const ahead = this.lookahead(true);
    if (ahead.tok === ')') {
      this.consume(true);
      return [''];
    }
    if (ahead.tok !== 'id' && ahead.tok !== ',') throw new Error(`found '${ahead.lit}', expected: ',', ')' or identifier`);
    const set = this.identifierList();
    if (this.consume(true).tok !== ')') throw new Error(`found '${ahead.lit}', expected: ')'`);
    return [...set];
  }

  private identifierList(): Set<string> {
    const set = new Set<string>();
    for (;;) {
      const { tok, lit } = this.consume(true);
      if (tok === 'id') {
        set.add(lit);
        const next = this.lookahead(true);
        if (next.tok === ',') continue;
        if (next.tok === ')') return set;
        throw new Error(`found '${next.lit}', expected: ',' or ')'`);
      }
      if (tok !== ',') throw new Error(`found '${lit}', expected: ',', or identifier`);
      // "(,", ",," and ",)" all contribute the empty value, as in apimachinery.
      if (set.size === 0) set.add('');
      const next = this.lookahead(true).tok;
      if (next === ')') {
        set.add('');
        return set;
      }
      if (next === ',') {
        this.consume(true);
        set.add('');
      }
    }
  }

  private exactValue(): string[] {
    const ahead = this.lookahead(true).tok;
    if (ahead === 'end' || ahead === ',') return [''];
    const { tok, lit } = this.consume(true);
    if (tok === 'id') return [lit];
    throw new Error(`found '${lit}', expected: identifier`);
  }
}

function checkKey(key: string, path: string): void {
  const errs = isQualifiedName(key);
  if (errs.length) throw new Error(`${path}: Invalid value: ${JSON.stringify(key)}: ${errs.join('; ')}`);
}

/** Builds a requirement with the checks of labels.NewRequirement (values sorted, as sets.String lists them). */
function newRequirement(key: string, operator: LabelOperator, rawValues: string[]): LabelRequirement {
  const values = [...new Set(rawValues)].sort();
  const problems: string[] = [];
  const keyErrs = isQualifiedName(key);
  if (keyErrs.length) problems.push(`key: Invalid value: ${JSON.stringify(key)}: ${keyErrs.join('; ')}`);
  if ((operator === 'gt' || operator === 'lt')) {
    values.forEach((v, i) => {
      if (!/^[-+]?\d+$/.test(v)) problems.push(`values[${i}]: Invalid value: ${JSON.stringify(v)}: for 'Gt', 'Lt' operators, the value must be an integer`);
    });
  }
  values.forEach((v, i) => {
    const errs = isValidLabelValue(v);
    if (errs.length) problems.push(`values[${i}][${key}]: Invalid value: ${JSON.stringify(v)}: ${errs.join('; ')}`);
  });
  if (problems.length === 1) throw new Error(problems[0]);
  if (problems.length > 1) throw new Error(`[${problems.join(', ')}]`);
  return { key, operator, values };
}

/**
 * Parses the string form of a label selector (`a=b,c!=d,e in (x,y),!f`). The empty string selects
 * everything. Malformed text throws a 400 BadRequest StatusError carrying apimachinery's message.
 */
export function parseLabelSelector(text: string): LabelSelector {
  try {
    const requirements = new Parser(lex(text)).parse();
    requirements.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { requirements };
  } catch (err) {
    throw badRequest((err as Error).message);
  }
}

/**
 * Converts a structured LabelSelector (metav1.LabelSelectorAsSelector): undefined selects nothing,
 * an empty selector selects everything; an unknown operator throws 400 BadRequest.
 */
export function selectorFromLabelSelector(sel: LabelSelectorSpec | undefined | null): LabelSelector {
  if (!sel) return { requirements: [], nothing: true };
  const requirements: LabelRequirement[] = [];
  try {
    for (const [key, value] of Object.entries(sel.matchLabels ?? {})) requirements.push(newRequirement(key, '=', [value]));
    for (const expr of sel.matchExpressions ?? []) {
      const op = EXPRESSION_OPERATORS[expr.operator];
      if (!op) throw new Error(`${JSON.stringify(expr.operator)} is not a valid label selector operator`);
      requirements.push(newRequirement(expr.key, op, expr.values ?? []));
    }
  } catch (err) {
    throw badRequest((err as Error).message);
  }
  requirements.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { requirements };
}

const EXPRESSION_OPERATORS: Record<string, LabelOperator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

/** Whether a label set satisfies every requirement (Requirement.Matches semantics). */
export function matchesLabels(sel: LabelSelector, labels?: Record<string, string>): boolean {
  if (sel.nothing) return false;
  const set = labels ?? {};
  return sel.requirements.every((r) => requirementMatches(r, set));
}

function requirementMatches(r: LabelRequirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = labels[r.key];
  switch (r.operator) {
    case 'in': case '=': case '==':
      return has && r.values.includes(value);
    case 'notin': case '!=':
      return !has || !r.values.includes(value);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt': case 'lt': {
      if (!has || !/^[-+]?\d+$/.test(value)) return false;
      const actual = BigInt(value);
      return r.values.every((v) => (r.operator === 'gt' ? actual > BigInt(v) : actual < BigInt(v)));
    }
  }
}

/** Whether the selector selects everything (no requirements), as labels.Selector.Empty(). */
export function isEmptySelector(sel: LabelSelector): boolean {
  return !sel.nothing && sel.requirements.length === 0;
}

/** The canonical string form (labels.Selector.String()), e.g. for a scale subresource's status.selector. */
export function labelSelectorString(sel: LabelSelector): string {
  return sel.requirements.map(requirementString).join(',');
}

function requirementString(r: LabelRequirement): string {
  switch (r.operator) {
    case 'exists': return r.key;
    case '!': return `!${r.key}`;
    case 'in': return `${r.key} in (${r.values.join(',')})`;
    case 'notin': return `${r.key} notin (${r.values.join(',')})`;
    case 'gt': return `${r.key}>${r.values[0]}`;
    case 'lt': return `${r.key}<${r.values[0]}`;
    default: return `${r.key}${r.operator}${r.values[0]}`;
  }
}
