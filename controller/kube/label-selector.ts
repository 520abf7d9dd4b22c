/**
 * Label selectors with the API server's semantics, evaluated locally (the cache filters with
 * them) and rendered to the string form the API server accepts (`?labelSelector=`).
 *
 * Accepted inputs ({@link SelectorInput}):
 * - string: `a=b,c!=d,e in (x,y),f notin (z),g,!h` (`==` is the same as `=`);
 * - `LabelSelector` object: `{ matchLabels, matchExpressions: [{ key, operator, values }] }`;
 * - plain map `{ a: 'b' }` (equality on every entry).
 */

/** A metav1 `LabelSelector`. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: {
    key: string;
    operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    values?: string[];
  }[];
}

/** Anything a selector can be built from. `undefined` / `''` / `{}` select everything. */
export type SelectorInput = string | LabelSelector | Record<string, string> | Selector | undefined;

type Op = 'in' | 'notin' | 'exists' | '!';

/** One parsed requirement. `=`/`==` parse as `in` with one value, `!=` as `notin` with one value. */
export interface Requirement {
  key: string;
  op: Op;
  values: string[];
}

/** A parsed, immutable selector. */
export class Selector {
  /** The selector that matches everything. */
  static readonly everything = new Selector([]);

  /** Prefer {@link Selector.from}; this takes already-validated requirements. */
  constructor(readonly requirements: readonly Requirement[]) {}

  /**
   * Parses any {@link SelectorInput}.
   *
   * @throws SyntaxError on a malformed string selector or an unknown operator.
   */
  static from(input: SelectorInput): Selector {
    if (input === undefined) return Selector.everything;
    if (input instanceof Selector) return input;
    if (typeof input === 'string') return parseSelector(input);
    const reqs: Requirement[] = [];
    const isLabelSelector =
      ('matchLabels' in input && typeof input.matchLabels === 'object') ||
      ('matchExpressions' in input && Array.isArray(input.matchExpressions));
    if (isLabelSelector) {
      const ls = input as LabelSelector;
      for (const [k, v] of Object.entries(ls.matchLabels ?? {})) reqs.push({ key: k, op: 'in', values: [v] });
      for (const e of ls.matchExpressions ?? []) {
        const op = ({ In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' } as const)[e.operator];
        if (!op) throw new SyntaxError(`unknown label selector operator ${String(e.operator)}`);
        reqs.push({ key: e.key, op, values: [...(e.values ?? [])] });
      }
    } else {
      for (const [k, v] of Object.entries(input as Record<string, string>)) {
        reqs.push({ key: k, op: 'in', values: [v] });
      }
    }
    return reqs.length === 0 ? Selector.everything : new Selector(reqs);
  }

  /** `true` when this selector matches everything. */
  get empty(): boolean {
    return this.requirements.length === 0;
  }

  /** Whether `labels` (missing = no labels) satisfy every requirement. */
  matches(labels: Readonly<Record<string, string>> | undefined): boolean {
    for (const r of this.requirements) {
      const has = labels !== undefined && Object.hasOwn(labels, r.key);
      const v = has ? labels[r.key] : undefined;
      switch (r.op) {
        case 'exists':
          if (!has) return false;
          break;
        case '!':
          if (has) return false;
          break;
        case 'in':
          if (!has || !r.values.includes(v as string)) return false;
          break;
        case 'notin':
          // API semantics: a missing label satisfies `!=` and `notin`.
          if (has && r.values.includes(v as string)) return false;
          break;
      }
    }
    return true;
  }

  /** The string form accepted by `?labelSelector=` (e.g. `app=x,tier in (a,b)`); `''` for everything. */
  toString(): string {
    return this.requirements
      .map((r) => {
        switch (r.op) {
          case 'exists':
            return r.key;
          case '!':
            return `!${r.key}`;
          case 'in':
            return r.values.length === 1 ? `${r.key}=${r.values[0]}` : `${r.key} in (${r.values.join(',')})`;
          case 'notin':
            return r.values.length === 1
              ? `${r.key}!=${r.values[0]}`
              : `${r.key} notin (${r.values.join(',')})`;
        }
        return '';
      })
      .join(',');
  }
}

/** Splits on commas that are not inside parentheses. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

const KEY = '[A-Za-z0-9][-A-Za-z0-9_./]*';
const VALUE = '[-A-Za-z0-9_.]*';
const SET_RE = new RegExp(String.raw`^(${KEY})\s+(in|notin)\s*\(([^)]*)\)$`);
const EQ_RE = new RegExp(String.raw`^(${KEY})\s*(==|=|!=)\s*(${VALUE})$`);
const EXISTS_RE = new RegExp(String.raw`^(!?)\s*(${KEY})$`);

function parseSelector(input: string): Selector {
  const reqs: Requirement[] = [];
  if (input.trim() === '') return Selector.everything;
  for (const raw of splitTop(input)) {
    const part = raw.trim();
    let m = SET_RE.exec(part);
    if (m) {
      const values = (m[3] as string)
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
      if (values.length === 0)
        throw new SyntaxError(`label selector "${input}": empty value set in "${part}"`);
      reqs.push({ key: m[1] as string, op: m[2] as 'in' | 'notin', values });
      continue;
    }
    m = EQ_RE.exec(part);
    if (m) {
      reqs.push({ key: m[1] as string, op: m[2] === '!=' ? 'notin' : 'in', values: [m[3] as string] });
      continue;
    }
    m = EXISTS_RE.exec(part);
    if (m) {
      reqs.push({ key: m[2] as string, op: m[1] === '!' ? '!' : 'exists', values: [] });
      continue;
    }
    throw new SyntaxError(`label selector "${input}": cannot parse "${part}"`);
  }
  return new Selector(reqs);
}
