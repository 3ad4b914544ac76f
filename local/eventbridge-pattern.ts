/**
 * EventBridge event-pattern matching for the local runtime: decides whether an event bus rule's
 * `EventPattern` selects an event, with the semantics of the EventBridge user guide ("Event
 * patterns", "Comparison operators", "Content filtering", "Arrays", "Null values and empty
 * strings"). Where the guide is silent, the behaviour follows AWS's open-source matching engine
 * (aws/event-ruler) and results that were checked against the live service.
 *
 * Pure and synchronous: no I/O, no dependencies.
 *
 * Summary of the rules implemented here (each is commented where it is applied):
 *  - A pattern is a JSON object shaped like the events it matches. Every field named in the pattern
 *    must match (AND); the values listed in a field's array are alternatives (OR). Fields of the
 *    event that the pattern does not name are ignored.
 *  - Only leaf values (string, number, boolean, null) are matched. An event field whose value is an
 *    array matches when any element matches; arrays of objects are "crushed", so a pattern nests
 *    through them as if each element were the field's value. Fields matched inside objects of the
 *    same event array must all come from the same element ("array consistency").
 *  - A field missing from the event matches nothing except `{"exists": false}`; in particular
 *    `anything-but` does not match a missing field.
 *  - `$or` (an array of at least two objects) may appear at any level; the pattern is expanded into
 *    alternatives, and it matches when any alternative does.
 */

/** A JSON value that event patterns can match: the leaves of an event. */
export type JsonLeaf = string | number | boolean | null;

/** Thrown by {@link matchesPattern} and {@link compilePattern} for a malformed pattern. */
export class InvalidEventPatternError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Event pattern is not valid: ${problems.join('; ')}`);
    this.name = 'InvalidEventPatternError';
    this.problems = problems;
  }
}

/**
 * Human-readable problems of a pattern, each prefixed with where it is (`detail.state[0]: ...`);
 * an empty array means the pattern is valid. A pattern may be given as an object or as JSON text
 * (CloudFormation templates can carry `EventPattern` as a string).
 */
export function validatePattern(pattern: unknown): string[] {
  const compiler = new PatternCompiler();
  compiler.compile(pattern);
  return [...compiler.problems];
}

/** Whether `event` matches `pattern`. Throws {@link InvalidEventPatternError} for a malformed pattern. */
export function matchesPattern(pattern: unknown, event: unknown): boolean {
  return compilePattern(pattern)(event);
}

/**
 * Compiles a pattern once into a predicate over events, for rules that test many events.
 * Throws {@link InvalidEventPatternError} for a malformed pattern. Events may be objects or JSON
 * text; anything that is not a JSON object never matches.
 */
export function compilePattern(pattern: unknown): (event: unknown) => boolean {
  const compiler = new PatternCompiler();
  const alternatives = compiler.compile(pattern);
  if (compiler.problems.length > 0) throw new InvalidEventPatternError(compiler.problems);
  const prepared = alternatives.map(prepareAlternative);
  return (event: unknown): boolean => {
    const root = typeof event === 'string' ? parseJson(event) : event;
    if (!isJsonObject(root)) return false;
    const fields = indexLeaves(root);
    return prepared.some((alternative) => matchesAlternative(alternative, fields));
  };
}

// ------------------------------------------------------------------------------------------------
// Compiled form
// ------------------------------------------------------------------------------------------------

/** One entry of a field's value array, compiled. */
interface Matcher {
  /** Whether a leaf value present at the field's path satisfies this entry. */
  readonly test: (value: JsonLeaf) => boolean;
  /** True only for `{"exists": false}`: the entry is satisfied by the field being absent. */
  readonly matchesAbsence: boolean;
}

interface FieldRule {
  readonly path: readonly string[];
  readonly matchers: readonly Matcher[];
}

/** One `$or`-free alternative of the pattern: path key → rule for that field. */
type Alternative = Map<string, FieldRule>;

interface PreparedField {
  readonly key: string;
  /** The field's dotted name, which fixes the order fields are evaluated in (see matchesAlternative). */
  readonly dotted: string;
  readonly matchers: readonly Matcher[];
  readonly acceptsAbsence: boolean;
}

/** Position of a leaf inside the event's arrays: array id → element index. */
type ArrayMembership = ReadonlyMap<number, number>;

interface Leaf {
  readonly value: JsonLeaf;
  readonly membership: ArrayMembership;
}

// ------------------------------------------------------------------------------------------------
// Validation and compilation (one pass, so the two can never disagree)
// ------------------------------------------------------------------------------------------------

/** Numbers compared by `numeric` (and listed in `anything-but`) must lie in this range... */
const NUMERIC_LIMIT = 5e9;
/** ...and have at most this many decimal places. */
const NUMERIC_MAX_DECIMALS = 6;

/**
 * Names that cannot be field names inside a `$or` branch, because they would be ambiguous with
 * match expressions (the reference engine reserves these).
 */
const RESERVED_IN_OR = new Set([
  'exact', 'equals-ignore-case', 'prefix', 'suffix', 'anything-but', 'exists', 'wildcard', 'numeric', 'cidr',
  '=', '<', '<=', '>', '>=', 'regex', 'not-wildcard', 'not-equals-ignore-case', 'date-after',
  'date-on-or-after', 'date-before', 'date-on-or-before', 'in-date-range', 'ip-address-in-range',
  'ip-address-not-in-range',
]);

const ANYTHING_BUT_OPERATORS = new Set(['prefix', 'suffix', 'equals-ignore-case', 'wildcard']);

class PatternCompiler {
  readonly problems: string[] = [];

  compile(pattern: unknown): Alternative[] {
    let root = pattern;
    if (typeof pattern === 'string') {
      root = parseJson(pattern);
      if (root === undefined) {
        this.problem('(root)', 'Filter is not valid JSON');
        return [];
      }
    }
    if (!isJsonObject(root)) {
      this.problem('(root)', 'Filter is not an object');
      return [];
    }
    return this.object(root, [], [new Map()], false, '');
  }

  private problem(where: string, message: string): void {
    this.problems.push(`${where === '' ? '(root)' : where}: ${message}`);
  }

  /** Walks one pattern object; `alternatives` are the partial alternatives built so far. */
  private object(
    node: Record<string, unknown>,
    path: readonly string[],
    alternatives: Alternative[],
    insideOr: boolean,
    where: string,
  ): Alternative[] {
    const entries = Object.entries(node);
    if (entries.length === 0) this.problem(where, 'Empty objects are not allowed');
    let current = alternatives;
    for (const [key, value] of entries) {
      const here = where === '' ? key : `${where}.${key}`;
      if (key === '$or') {
        // $or is not a field name: it forks the alternatives at this level of nesting.
        current = this.or(value, path, current, here);
        continue;
      }
      if (insideOr && RESERVED_IN_OR.has(key)) {
        this.problem(here, `"${key}" is a reserved keyword and cannot be used as a field name inside $or`);
      }
      if (Array.isArray(value)) {
        const rule: FieldRule = { path: [...path, key], matchers: this.values(value, here) };
        // A field given twice ends with its last occurrence ("if you include a key more than once
        // the last reference will be the one used"); that also holds across $or branches.
        current = current.map((alternative) => withField(alternative, rule));
      } else if (isJsonObject(value)) {
        current = this.object(value, [...path, key], current, insideOr, here);
      } else {
        this.problem(here, `"${key}" must be an object or an array`);
      }
    }
    return current;
  }

  private or(value: unknown, path: readonly string[], alternatives: Alternative[], where: string): Alternative[] {
    if (!Array.isArray(value)) {
      this.problem(where, '$or must be followed by an array of objects');
      return alternatives;
    }
    if (value.length < 2) this.problem(where, 'There must be at least 2 objects in a $or array');
    const forked: Alternative[] = [];
    value.forEach((branch: unknown, index) => {
      const here = `${where}[${index}]`;
      if (!isJsonObject(branch)) {
        this.problem(here, 'Only JSON objects are allowed in a $or array');
        return;
      }
      forked.push(...this.object(branch, path, alternatives.map((a) => new Map(a)), true, here));
    });
    return forked.length > 0 ? forked : alternatives;
  }

  /** A field's array of allowed values: each entry is a JSON leaf or a match expression. */
  private values(values: readonly unknown[], where: string): Matcher[] {
    if (values.length === 0) this.problem(where, 'Empty arrays are not allowed');
    const matchers: Matcher[] = [];
    values.forEach((value: unknown, index) => {
      const here = `${where}[${index}]`;
      const matcher = isJsonObject(value) ? this.expression(value, here) : this.literal(value, here);
      if (matcher) matchers.push(matcher);
    });
    return matchers;
  }

  private literal(value: unknown, where: string): Matcher | undefined {
    if (typeof value === 'string') return exactString(value);
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) {
        this.problem(where, 'Match value must be a finite number');
        return undefined;
      }
      // Numbers are matched by value: AWS matches a pattern's 300 with an event's 300.0 (the guide
      // says otherwise, but the service compares numerically; parsed JSON cannot tell them apart
      // anyway). A number never equals a string: [300] does not match "300".
      return present((v) => typeof v === 'number' && v === value);
    }
    if (typeof value === 'boolean' || value === null) {
      // null and "" are different values: [null] does not match "" and [""] does not match null.
      return present((v) => v === value);
    }
    this.problem(where, 'Match value must be String, number, true, false, or null');
    return undefined;
  }

  /** A match expression: an object with exactly one operator key. */
  private expression(node: Record<string, unknown>, where: string): Matcher | undefined {
    const keys = Object.keys(node);
    if (keys.length === 0) {
      this.problem(where, 'Match expression name not found');
      return undefined;
    }
    if (keys.length > 1) {
      this.problem(where, `Only one key allowed in match expression (found ${keys.map((k) => `"${k}"`).join(', ')})`);
      return undefined;
    }
    const operator = keys[0] as string;
    const operand = node[operator];
    const here = `${where}.${operator}`;
    switch (operator) {
      case 'prefix':
      case 'suffix':
        return this.affix(operator, operand, here);
      case 'equals-ignore-case':
        if (typeof operand !== 'string') return this.fail(here, 'equals-ignore-case match pattern must be a string');
        return present((v) => typeof v === 'string' && equalsIgnoreCase(v, operand));
      case 'wildcard': {
        if (typeof operand !== 'string') return this.fail(here, 'wildcard match pattern must be a string');
        const regex = this.wildcard(operand, here);
        return regex && present((v) => typeof v === 'string' && regex.test(v));
      }
      case 'anything-but':
        return this.anythingBut(operand, here);
      case 'numeric':
        return this.numeric(operand, here);
      case 'exists':
        // Exists matching looks at leaves only: an object-valued field has no leaf at its own path,
        // so {"exists": true} does not match it and {"exists": false} does. A null value is a leaf.
        if (operand === true) return { test: () => true, matchesAbsence: false };
        if (operand === false) return { test: () => false, matchesAbsence: true };
        return this.fail(here, 'exists match pattern must be either true or false');
      case 'cidr':
        return this.cidr(operand, here);
      default:
        return this.fail(where, `Unrecognized match type "${operator}"`);
    }
  }

  private fail(where: string, message: string): undefined {
    this.problem(where, message);
    return undefined;
  }

  /** `prefix`/`suffix`, either a string or `{"equals-ignore-case": string}`. Strings only. */
  private affix(operator: 'prefix' | 'suffix', operand: unknown, where: string): Matcher | undefined {
    const test = operator === 'prefix'
      ? (v: string, affix: string) => v.startsWith(affix)
      : (v: string, affix: string) => v.endsWith(affix);
    if (typeof operand === 'string') return present((v) => typeof v === 'string' && test(v, operand));
    if (isJsonObject(operand)) {
      const keys = Object.keys(operand);
      if (keys.length !== 1 || keys[0] !== 'equals-ignore-case') {
        return this.fail(where, `Unsupported ${operator} pattern: ${keys.join(', ') || '{}'} (only "equals-ignore-case" is allowed)`);
      }
      const affix = operand['equals-ignore-case'];
      if (typeof affix !== 'string') {
        return this.fail(`${where}.equals-ignore-case`, 'equals-ignore-case match pattern must be a string');
      }
      const folded = affix.toLowerCase();
      return present((v) => typeof v === 'string' && test(v.toLowerCase(), folded));
    }
    return this.fail(where, `${operator} match pattern must be a string`);
  }

  /**
   * `anything-but` matches any present leaf except the listed ones. Its exclusions only ever remove
   * values of their own type: a string exclusion never excludes a number, null or boolean (so
   * {"anything-but": "initializing"} matches null, and {"anything-but": "123"} matches 123), and a
   * numeric exclusion never excludes a string ({"anything-but": 123} matches "123"). The
   * prefix/suffix/equals-ignore-case/wildcard forms exclude strings only, so they match numbers,
   * booleans and null. A missing field is not matched.
   */
  private anythingBut(operand: unknown, where: string): Matcher | undefined {
    if (typeof operand === 'string') return present((v) => v !== operand);
    if (typeof operand === 'number') {
      return this.comparableNumber(operand, where) ? present((v) => v !== operand) : undefined;
    }
    if (Array.isArray(operand)) {
      // A list holds strings only or numbers only (not empty, no null/boolean/objects).
      const strings = operand.filter((x): x is string => typeof x === 'string');
      const numbers = operand.filter((x): x is number => typeof x === 'number');
      if (strings.length + numbers.length !== operand.length) {
        return this.fail(where, 'Inside an anything-but list, only strings or numbers are allowed (no null, boolean, array or object)');
      }
      if (operand.length === 0 || (strings.length > 0 && numbers.length > 0)) {
        return this.fail(where, 'Inside an anything-but list, either all values are numbers or all are strings (mixed or empty lists are not supported)');
      }
      if (!numbers.every((n, i) => this.comparableNumber(n, `${where}[${i}]`))) return undefined;
      const excluded = new Set<JsonLeaf>(operand as JsonLeaf[]);
      return present((v) => !((typeof v === 'string' || typeof v === 'number') && excluded.has(v)));
    }
    if (isJsonObject(operand)) return this.anythingButOf(operand, where);
    return this.fail(where, 'Value of anything-but must be an array, a single string or number, or an object with prefix, suffix, equals-ignore-case or wildcard');
  }

  /** `{"anything-but": {"prefix" | "suffix" | "equals-ignore-case" | "wildcard": string | string[]}}`. */
  private anythingButOf(operand: Record<string, unknown>, where: string): Matcher | undefined {
    const keys = Object.keys(operand);
    if (keys.length !== 1) {
      return this.fail(where, `anything-but takes exactly one of prefix, suffix, equals-ignore-case or wildcard (found ${keys.length === 0 ? 'none' : keys.join(', ')})`);
    }
    const operator = keys[0] as string;
    const here = `${where}.${operator}`;
    if (!ANYTHING_BUT_OPERATORS.has(operator)) return this.fail(here, `Unsupported anything-but pattern: ${operator}`);
    const raw = operand[operator];
    const list: readonly unknown[] = Array.isArray(raw) ? raw : [raw];
    if (!list.every((x): x is string => typeof x === 'string')) {
      return this.fail(here, `anything-but ${operator} must be a string or an array of strings`);
    }
    const values = list as readonly string[];
    let excludes: (v: string) => boolean;
    switch (operator) {
      case 'prefix':
      case 'suffix': {
        if (values.some((x) => x === '')) return this.fail(here, `Empty ${operator} is not allowed inside anything-but`);
        excludes = operator === 'prefix'
          ? (v) => values.some((p) => v.startsWith(p))
          : (v) => values.some((s) => v.endsWith(s));
        break;
      }
      case 'equals-ignore-case':
        excludes = (v) => values.some((x) => equalsIgnoreCase(v, x));
        break;
      default: {
        const regexes = values.map((x, i) => this.wildcard(x, Array.isArray(raw) ? `${here}[${i}]` : here));
        if (regexes.some((r) => r === undefined)) return undefined;
        excludes = (v) => regexes.some((r) => r!.test(v));
      }
    }
    // Only strings can be excluded: numbers, booleans and null always pass.
    return present((v) => typeof v !== 'string' || !excludes(v));
  }

  /**
   * `{"numeric": [op, n]}` or `{"numeric": [">" | ">=", low, "<" | "<=", high]}` with op one of
   * =, <, <=, >, >=. Matches JSON numbers only (never numeric strings), within ±5e9.
   */
  private numeric(operand: unknown, where: string): Matcher | undefined {
    if (!Array.isArray(operand)) return this.fail(where, 'Value of numeric must be an array');
    if (operand.length === 0) return this.fail(where, 'numeric needs an operator and a number');
    const [first, firstValue] = operand as unknown[];
    if (typeof first !== 'string') return this.fail(where, `Invalid member in numeric match: ${JSON.stringify(first)}`);
    if (!['=', '<', '<=', '>', '>='].includes(first)) return this.fail(where, `Unrecognized numeric range operator: ${first}`);
    if (typeof firstValue !== 'number') return this.fail(where, `Value of ${first} must be numeric`);
    if (!this.comparableNumber(firstValue, where)) return undefined;
    const lowerOnly = first === '>' || first === '>=';
    if (operand.length > 2 && !lowerOnly) return this.fail(where, 'Too many elements in numeric expression');
    if (operand.length === 3) return this.fail(where, 'A numeric range needs an operator and a number for its upper bound');
    if (operand.length > 4) return this.fail(where, 'Too many terms in numeric range expression');

    let test: (n: number) => boolean;
    if (operand.length === 4) {
      const [, , second, secondValue] = operand as unknown[];
      if (second !== '<' && second !== '<=') {
        return this.fail(where, `Bad numeric range operator: ${String(second)} (the upper bound takes < or <=)`);
      }
      if (typeof secondValue !== 'number') return this.fail(where, `Value of ${second} must be numeric`);
      if (!this.comparableNumber(secondValue, where)) return undefined;
      if (secondValue <= firstValue) return this.fail(where, 'Bottom must be less than top');
      const low = compare(first, firstValue);
      const high = compare(second, secondValue);
      test = (n) => low(n) && high(n);
    } else {
      test = compare(first, firstValue);
    }
    return present((v) => typeof v === 'number' && Math.abs(v) <= NUMERIC_LIMIT && test(v));
  }

  /** Numbers that `numeric` and numeric `anything-but` can hold (the documented limits). */
  private comparableNumber(n: number, where: string): boolean {
    if (!Number.isFinite(n) || Math.abs(n) > NUMERIC_LIMIT) {
      this.problem(where, `Value ${n} is out of range: numbers must be between -5.0e9 and 5.0e9, inclusive`);
      return false;
    }
    if (decimalPlaces(n) > NUMERIC_MAX_DECIMALS) {
      this.problem(where, `Value ${n} has too many decimals: at most ${NUMERIC_MAX_DECIMALS} are supported`);
      return false;
    }
    return true;
  }

  /** `{"cidr": "10.0.0.0/24"}`: IPv4 or IPv6; matches string leaves holding an address in the block. */
  private cidr(operand: unknown, where: string): Matcher | undefined {
    if (typeof operand !== 'string') return this.fail(where, 'cidr match pattern must be a string');
    const block = parseCidr(operand);
    if (typeof block === 'string') return this.fail(where, block);
    return present((v) => {
      if (typeof v !== 'string') return false;
      const ip = parseIp(v);
      return ip !== undefined && ip.version === block.version && ip.value >= block.low && ip.value <= block.high;
    });
  }

  /**
   * Compiles a wildcard string: `*` matches zero or more characters; `\*` is a literal asterisk and
   * `\\` a literal backslash; any other escape, a trailing backslash and consecutive wildcards are
   * rejected. (The service also rejects rules it deems too complex, which is not modelled.)
   */
  private wildcard(text: string, where: string): RegExp | undefined {
    let source = '';
    for (let i = 0; i < text.length; i++) {
      const c = text[i] as string;
      if (c === '\\') {
        const next = text[i + 1];
        if (next !== '*' && next !== '\\') return this.fail(where, `Invalid escape character at pos ${i + 1} in wildcard "${text}"`);
        source += escapeRegex(next);
        i++;
      } else if (c === '*') {
        if (text[i + 1] === '*') return this.fail(where, `Consecutive wildcard characters at pos ${i + 1} in wildcard "${text}"`);
        source += '[\\s\\S]*';
      } else {
        source += escapeRegex(c);
      }
    }
    return new RegExp(`^${source}$`, 'u');
  }
}

function present(test: (value: JsonLeaf) => boolean): Matcher {
  return { test, matchesAbsence: false };
}

/**
 * An exact string. A string that is an IP address literal is compared as an address (as the
 * reference engine does), so "2001:db8::1" also matches "2001:0db8:0:0:0:0:0:1".
 */
function exactString(expected: string): Matcher {
  const ip = parseIp(expected);
  if (!ip) return present((v) => v === expected);
  return present((v) => {
    if (v === expected) return true;
    if (typeof v !== 'string') return false;
    const other = parseIp(v);
    return other !== undefined && other.version === ip.version && other.value === ip.value;
  });
}

function withField(alternative: Alternative, rule: FieldRule): Alternative {
  const key = pathKey(rule.path);
  const next = new Map(alternative);
  next.delete(key);
  next.set(key, rule);
  return next;
}

function compare(operator: string, bound: number): (n: number) => boolean {
  switch (operator) {
    case '=': return (n) => n === bound;
    case '<': return (n) => n < bound;
    case '<=': return (n) => n <= bound;
    case '>': return (n) => n > bound;
    default: return (n) => n >= bound;
  }
}

function decimalPlaces(n: number): number {
  const [mantissa = '', exponent = '0'] = Math.abs(n).toString().split('e');
  const fraction = mantissa.split('.')[1] ?? '';
  return Math.max(0, fraction.length - Number(exponent));
}

function equalsIgnoreCase(a: string, b: string): boolean {
  return a === b || a.toLowerCase() === b.toLowerCase() || a.toUpperCase() === b.toUpperCase();
}

function escapeRegex(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c;
}

// ------------------------------------------------------------------------------------------------
// IP addresses
// ------------------------------------------------------------------------------------------------

interface IpAddress {
  readonly version: 4 | 6;
  readonly value: bigint;
}

/** Parses an IPv4 dotted quad or an IPv6 address (hex groups, optional single `::`). */
function parseIp(text: string): IpAddress | undefined {
  if (/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(text)) {
    const octets = text.split('.').map(Number);
    if (octets.some((o) => o > 255)) return undefined;
    return { version: 4, value: octets.reduce((acc, o) => (acc << 8n) | BigInt(o), 0n) };
  }
  if (!/^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const head = groupsOf(halves[0] ?? '');
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? '') : [];
  const count = head.length + tail.length;
  if ([...head, ...tail].some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  if (halves.length === 1 ? count !== 8 : count > 7) return undefined;
  const groups = [...head, ...Array<string>(8 - count).fill('0'), ...tail];
  return { version: 6, value: groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n) };
}

/** The address range of a CIDR block, or a problem description. */
function parseCidr(text: string): { version: 4 | 6; low: bigint; high: bigint } | string {
  const parts = text.split('/');
  if (parts.length !== 2) return `Malformed CIDR "${text}", one '/' required`;
  const [address = '', mask = ''] = parts;
  if (!/^[+-]?\d+$/.test(mask)) return `Malformed CIDR "${text}", mask bits must be an integer`;
  const bits = Number(mask);
  if (bits < 0) return `Malformed CIDR "${text}", mask bits must not be negative`;
  const ip = parseIp(address);
  if (!ip) return `Invalid IP address: ${address}`;
  const width = ip.version === 4 ? 32 : 128;
  // The service refuses a full-length mask (a single address is written as a plain string).
  if (bits >= width) return `IPv${ip.version} mask bits must be < ${width}`;
  const hostMask = (1n << BigInt(width - bits)) - 1n;
  return { version: ip.version, low: ip.value & ~hostMask, high: ip.value | hostMask };
}

// ------------------------------------------------------------------------------------------------
// Matching
// ------------------------------------------------------------------------------------------------

function prepareAlternative(alternative: Alternative): PreparedField[] {
  return [...alternative.entries()]
    .map(([key, rule]) => ({
      key,
      dotted: rule.path.join('.'),
      matchers: rule.matchers,
      acceptsAbsence: rule.matchers.some((m) => m.matchesAbsence),
    }))
    .sort((a, b) => (a.dotted < b.dotted ? -1 : a.dotted > b.dotted ? 1 : 0));
}

/**
 * Flattens the event into its leaves, keyed by path. Arrays are crushed (their elements take the
 * array's path) and every leaf remembers which element of which array it came from. Empty arrays
 * and empty objects contribute no leaves, so such fields count as absent.
 */
function indexLeaves(event: Record<string, unknown>): Map<string, Leaf[]> {
  const index = new Map<string, Leaf[]>();
  let nextArrayId = 0;
  const walk = (node: unknown, path: readonly string[], membership: ArrayMembership): void => {
    if (Array.isArray(node)) {
      const arrayId = nextArrayId++;
      node.forEach((element: unknown, position) => {
        walk(element, path, new Map(membership).set(arrayId, position));
      });
    } else if (isJsonObject(node)) {
      for (const [key, value] of Object.entries(node)) walk(value, [...path, key], membership);
    } else if (isJsonLeaf(node) && path.length > 0) {
      const key = pathKey(path);
      const leaves = index.get(key);
      if (leaves) leaves.push({ value: node, membership });
      else index.set(key, [{ value: node, membership }]);
    }
  };
  walk(event, [], new Map());
  return index;
}

/**
 * An alternative matches when every field can be given a leaf that satisfies one of its matchers
 * (or, for `{"exists": false}`, no leaf at all), with all chosen leaves array-consistent: leaves
 * that sit in the same event array must come from the same element. So
 * `{"employees": {"firstName": ["Anna"], "lastName": ["Jones"]}}` does not match Anna Smith and
 * Peter Jones.
 *
 * Fields are taken in the order of their dotted names, and a field's absence is judged against the
 * elements chosen for the fields before it (a leaf in another element of an array already pinned
 * does not count as present). This mirrors how the reference engine walks a rule.
 */
function matchesAlternative(fields: readonly PreparedField[], index: ReadonlyMap<string, Leaf[]>): boolean {
  const step = (position: number, membership: ArrayMembership): boolean => {
    const field = fields[position];
    if (field === undefined) return true;
    const leaves = index.get(field.key) ?? [];
    for (const leaf of leaves) {
      const joined = consistent(membership, leaf.membership);
      if (joined && field.matchers.some((m) => m.test(leaf.value)) && step(position + 1, joined)) return true;
    }
    if (field.acceptsAbsence && !leaves.some((leaf) => consistent(membership, leaf.membership))) {
      return step(position + 1, membership);
    }
    return false;
  };
  return step(0, new Map());
}

/** The union of two array memberships, or undefined if they put one array at two elements. */
function consistent(soFar: ArrayMembership, leaf: ArrayMembership): ArrayMembership | undefined {
  if (leaf.size === 0) return soFar;
  if (soFar.size === 0) return leaf;
  let joined: Map<number, number> | undefined;
  for (const [arrayId, position] of leaf) {
    const chosen = soFar.get(arrayId);
    if (chosen === undefined) (joined ??= new Map(soFar)).set(arrayId, position);
    else if (chosen !== position) return undefined;
  }
  return joined ?? soFar;
}

// ------------------------------------------------------------------------------------------------
// JSON helpers
// ------------------------------------------------------------------------------------------------

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isJsonLeaf(value: unknown): value is JsonLeaf {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number';
}

function pathKey(path: readonly string[]): string {
  return JSON.stringify(path);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
