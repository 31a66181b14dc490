/**
 * EventBridge event patterns (content filtering), as the default event bus applies them to rules:
 * - a pattern's fields are AND'ed; the values listed for a leaf field are OR'ed; `$or` OR's whole sub-patterns;
 * - nested objects match nested objects; an array in the event matches if any of its elements matches;
 * - leaf values match exactly (strings, numbers compared numerically, booleans, null) or through an operator:
 *   `prefix`, `suffix` (either may wrap `equals-ignore-case`), `equals-ignore-case`, `wildcard`, `numeric`,
 *   `exists` and `anything-but` (a value, a list, or `prefix` / `suffix` / `equals-ignore-case` / `wildcard`).
 * Only scalars are leaf values: `exists: true` does not match a field that holds an object, as in EventBridge.
 * `anything-but` matches a present leaf value exactly when its operand does not, whatever the value's type.
 * Pure: no I/O, so it is safe to share between the local bus, tests and tools.
 */

type Leaf = string | number | boolean | null;
type LeafTest = (value: Leaf) => boolean;
type Matcher = (value: unknown) => boolean;

/** A pattern that EventBridge would refuse (PutRule: "Event pattern is not valid"); one line per problem. */
export class InvalidEventPatternError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid event pattern:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
    this.name = 'InvalidEventPatternError';
  }
}

/** Whether `event` matches `pattern`; throws InvalidEventPatternError when the pattern is not valid. */
export function matchesPattern(pattern: unknown, event: unknown): boolean {
  return compilePattern(pattern)(event);
}

/** A reusable matcher for one pattern, validated once; throws InvalidEventPatternError when not valid. */
export function compilePattern(pattern: unknown): (event: unknown) => boolean {
  const problems = validatePattern(pattern);
  if (problems.length > 0) throw new InvalidEventPatternError(problems);
  return compileObject(pattern as Record<string, unknown>);
}

/** Every problem with a pattern, each naming its path (`detail.clusterArn[0].suffix: …`); empty when valid. */
export function validatePattern(pattern: unknown): string[] {
  if (!isObject(pattern)) return [`(pattern): expected a JSON object, got ${describe(pattern)}`];
  return validateObject(pattern, '');
}

const NUMERIC_OPERATORS = ['<', '<=', '=', '>', '>='] as const;
type NumericOperator = (typeof NUMERIC_OPERATORS)[number];
const OPERATORS = ['prefix', 'suffix', 'equals-ignore-case', 'wildcard', 'numeric', 'exists', 'anything-but'];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isLeaf(value: unknown): value is Leaf {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (isObject(value)) return 'an object';
  return JSON.stringify(value);
}

const join = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);

// ---- validation -------------------------------------------------------------------------------------------

function validateObject(pattern: Record<string, unknown>, path: string): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(pattern)) {
    const at = join(path, key);
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2 || !value.every(isObject)) {
        problems.push(`${at}: expected an array of at least two patterns`);
      } else {
        value.forEach((branch, index) => {
          problems.push(...validateObject(branch as Record<string, unknown>, `${at}[${index}]`));
        });
      }
    } else if (isObject(value)) {
      if (Object.keys(value).length === 0)
        problems.push(`${at}: expected fields to match, got an empty object`);
      problems.push(...validateObject(value, at));
    } else if (Array.isArray(value)) {
      if (value.length === 0)
        problems.push(`${at}: expected at least one value to match, got an empty array`);
      value.forEach((matcher, index) => {
        problems.push(...validateMatcher(matcher, `${at}[${index}]`));
      });
    } else {
      problems.push(`${at}: expected an array of values or a nested pattern, got ${describe(value)}`);
    }
  }
  return problems;
}

function validateMatcher(matcher: unknown, at: string): string[] {
  if (isLeaf(matcher)) return [];
  if (!isObject(matcher))
    return [`${at}: expected a string, number, boolean, null or operator, got ${describe(matcher)}`];
  const keys = Object.keys(matcher);
  const [operator] = keys;
  if (operator === undefined || keys.length !== 1) {
    return [`${at}: expected exactly one operator (${OPERATORS.join(', ')}), got ${keys.length}`];
  }
  const operand = matcher[operator];
  const path = `${at}.${operator}`;
  switch (operator) {
    case 'prefix':
    case 'suffix':
      return validateAffix(operand, path);
    case 'equals-ignore-case':
      return typeof operand === 'string' ? [] : [`${path}: expected a string, got ${describe(operand)}`];
    case 'wildcard':
      return validateWildcard(operand, path);
    case 'numeric':
      return validateNumeric(operand, path);
    case 'exists':
      return typeof operand === 'boolean'
        ? []
        : [`${path}: expected true or false, got ${describe(operand)}`];
    case 'anything-but':
      return validateAnythingBut(operand, path);
    default:
      return [`${at}: unknown operator "${operator}"; expected one of ${OPERATORS.join(', ')}`];
  }
}

function validateAffix(operand: unknown, path: string): string[] {
  if (typeof operand === 'string') return [];
  if (
    isObject(operand) &&
    Object.keys(operand).length === 1 &&
    typeof operand['equals-ignore-case'] === 'string'
  ) {
    return [];
  }
  return [`${path}: expected a string or {"equals-ignore-case": string}, got ${describe(operand)}`];
}

function validateWildcard(operand: unknown, path: string): string[] {
  if (typeof operand !== 'string') return [`${path}: expected a string, got ${describe(operand)}`];
  return operand.includes('**') ? [`${path}: consecutive wildcard characters (**) are not allowed`] : [];
}

function validateNumeric(operand: unknown, path: string): string[] {
  const shape = `${path}: expected [operator, number] or [">"|">=", number, "<"|"<=", number]`;
  if (!Array.isArray(operand) || (operand.length !== 2 && operand.length !== 4)) return [shape];
  const conditions: [NumericOperator, number][] = [];
  for (let i = 0; i < operand.length; i += 2) {
    const [operator, bound] = [operand[i], operand[i + 1]];
    if (!NUMERIC_OPERATORS.includes(operator) || typeof bound !== 'number' || !Number.isFinite(bound)) {
      return [shape];
    }
    conditions.push([operator, bound]);
  }
  const [first, second] = conditions;
  if (second === undefined || first === undefined) return [];
  const lower = first[0].startsWith('>') ? first : second[0].startsWith('>') ? second : undefined;
  const upper = first[0].startsWith('<') ? first : second[0].startsWith('<') ? second : undefined;
  if (lower === undefined || upper === undefined)
    return [`${path}: a range needs one lower (>, >=) and one upper (<, <=) bound`];
  return lower[1] < upper[1]
    ? []
    : [`${path}: the lower bound ${lower[1]} must be below the upper bound ${upper[1]}`];
}

function validateAnythingBut(operand: unknown, path: string): string[] {
  if (isLeaf(operand) && operand !== null && typeof operand !== 'boolean') return [];
  if (Array.isArray(operand)) {
    if (operand.length === 0) return [`${path}: expected at least one value, got an empty array`];
    return operand.every(
      (value) => typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)),
    )
      ? []
      : [`${path}: expected a list of strings or numbers`];
  }
  if (isObject(operand) && Object.keys(operand).length === 1) {
    const [[operator, inner]] = Object.entries(operand) as [[string, unknown]];
    const at = `${path}.${operator}`;
    const strings = (check: (value: string) => string[]) =>
      typeof inner === 'string'
        ? check(inner)
        : Array.isArray(inner) && inner.length > 0 && inner.every((value) => typeof value === 'string')
          ? inner.flatMap(check)
          : [`${at}: expected a string or a list of strings, got ${describe(inner)}`];
    switch (operator) {
      case 'prefix':
      case 'suffix':
        return typeof inner === 'string' ? [] : [`${at}: expected a string, got ${describe(inner)}`];
      case 'equals-ignore-case':
        return strings(() => []);
      case 'wildcard':
        return strings((value) => validateWildcard(value, at));
    }
  }
  return [
    `${path}: expected a string, a number, a list of them, or {prefix|suffix|equals-ignore-case|wildcard: …}`,
  ];
}

// ---- matching ---------------------------------------------------------------------------------------------

function compileObject(pattern: Record<string, unknown>): Matcher {
  const fields: Matcher[] = Object.entries(pattern).map(([key, sub]) => {
    if (key === '$or') {
      const branches = (sub as Record<string, unknown>[]).map(compileObject);
      return (value) => branches.some((branch) => branch(value));
    }
    const child = Array.isArray(sub) ? compileLeaf(sub) : compileObject(sub as Record<string, unknown>);
    return (value) => child(isObject(value) ? value[key] : undefined);
  });
  const all: Matcher = (value) => fields.every((field) => field(value));
  // An array of objects matches when one of its elements matches the whole sub-pattern; an empty one is absent.
  return (value) =>
    Array.isArray(value) ? (value.length === 0 ? all(undefined) : value.some(all)) : all(value);
}

function compileLeaf(matchers: readonly unknown[]): Matcher {
  const tests = matchers.map((matcher): ((values: Leaf[]) => boolean) => {
    if (isObject(matcher) && typeof matcher.exists === 'boolean') {
      const exists = matcher.exists;
      return (values) => values.length > 0 === exists;
    }
    const test = compileTest(matcher);
    return (values) => values.some(test);
  });
  return (value) => {
    const values = leafValues(value);
    return tests.some((test) => test(values));
  };
}

function leafValues(value: unknown): Leaf[] {
  if (Array.isArray(value)) return value.flatMap(leafValues);
  return isLeaf(value) ? [value] : [];
}

function compileTest(matcher: unknown): LeafTest {
  if (isLeaf(matcher)) return (value) => equalsExactly(matcher, value);
  const [[operator, operand]] = Object.entries(matcher as Record<string, unknown>) as [[string, unknown]];
  switch (operator) {
    case 'prefix':
      return affixTest(operand, (value, affix) => value.startsWith(affix));
    case 'suffix':
      return affixTest(operand, (value, affix) => value.endsWith(affix));
    case 'equals-ignore-case': {
      const expected = fold(operand as string);
      return (value) => typeof value === 'string' && fold(value) === expected;
    }
    case 'wildcard': {
      const regex = wildcardRegex(operand as string);
      return (value) => typeof value === 'string' && regex.test(value);
    }
    case 'numeric':
      return numericTest(operand as (string | number)[]);
    default: {
      const excluded = anythingButTest(operand);
      return (value) => !excluded(value);
    }
  }
}

function equalsExactly(expected: Leaf, value: Leaf): boolean {
  // EventBridge compares numbers by value: 300 in a pattern matches 300.0 in an event.
  return typeof expected === 'number' ? typeof value === 'number' && expected === value : expected === value;
}

const fold = (text: string) => text.toLowerCase();

function affixTest(operand: unknown, test: (value: string, affix: string) => boolean): LeafTest {
  if (typeof operand === 'string') return (value) => typeof value === 'string' && test(value, operand);
  const affix = fold((operand as Record<string, string>)['equals-ignore-case'] as string);
  return (value) => typeof value === 'string' && test(fold(value), affix);
}

/** `*` matches any run of characters; `\*` is a literal star and `\\` a literal backslash. */
function wildcardRegex(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] as string;
    if (char === '\\' && (pattern[i + 1] === '*' || pattern[i + 1] === '\\')) {
      source += `\\${pattern[++i]}`;
    } else if (char === '*') {
      source += '[\\s\\S]*';
    } else {
      source += char.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}

function numericTest(conditions: readonly (string | number)[]): LeafTest {
  const compare: Record<NumericOperator, (value: number, bound: number) => boolean> = {
    '<': (value, bound) => value < bound,
    '<=': (value, bound) => value <= bound,
    '=': (value, bound) => value === bound,
    '>': (value, bound) => value > bound,
    '>=': (value, bound) => value >= bound,
  };
  const checks: ((value: number) => boolean)[] = [];
  for (let i = 0; i < conditions.length; i += 2) {
    const check = compare[conditions[i] as NumericOperator];
    const bound = conditions[i + 1] as number;
    checks.push((value) => check(value, bound));
  }
  // Only JSON numbers are numeric: "5" in an event is a string and never matches a numeric range.
  return (value) => typeof value === 'number' && checks.every((check) => check(value));
}

/** What `anything-but` excludes; the operator matches every present leaf value this test rejects. */
function anythingButTest(operand: unknown): LeafTest {
  if (isLeaf(operand)) return compileTest(operand);
  if (Array.isArray(operand)) {
    const tests = operand.map(compileTest);
    return (value) => tests.some((test) => test(value));
  }
  const [[operator, inner]] = Object.entries(operand as Record<string, unknown>) as [[string, unknown]];
  const tests = (Array.isArray(inner) ? inner : [inner]).map((value) => compileTest({ [operator]: value }));
  return (value) => tests.some((test) => test(value));
}
