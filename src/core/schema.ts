/**
 * Reading the JSON files msat writes: parse, refuse duplicate keys, check against the format's one schema and
 * report the first problem on one line that names the file and the JSON path, e.g.
 * `t.snn.json: options.neuron.hp.alpha: expected a finite number, got "0.3"`.
 *
 * Schemas are valibot's: declarative, their inferred types are what the writers write, issues carry paths,
 * and the package is small, ESM and has no dependencies (zod 4 is larger; TypeBox needs ajv besides).
 * Format modules build their schemas from valibot and the pieces below, whose messages start with
 * "expected …" so `describeIssue` can add what was found.
 */
import * as v from 'valibot';
import { MsatError, type MsatErrorCode } from './errors.js';
import { findDuplicateKey, formatJsonPath } from './json-duplicate-keys.js';

export { findDuplicateKey, formatJsonPath };

/** Any schema; its output type is what a reader gets. */
export type Schema = v.GenericSchema<unknown, unknown>;

/** `T` with every nested field and array read-only, so writers may hand in read-only values. */
export type DeepReadonly<T> = T extends (infer U)[] | readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends Float32Array
    ? T
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;

/** The document a schema describes: the type writers produce and readers get back. */
export type Infer<S extends Schema> = DeepReadonly<v.InferOutput<S>>;

/** Where a JSON value came from, for the message: the file, and within it e.g. `line 3` of a JSON-lines file. */
export interface JsonSource {
  readonly file: string;
  readonly code: MsatErrorCode;
  readonly at?: string;
  /** Said after "not valid JSON", e.g. "expected an SNN file written by msat convert --out". */
  readonly expected?: string;
}

/**
 * Parses `text` and checks it against `schema`.
 * @throws MsatError `source.code`: not JSON, a duplicate key, or the first schema issue, with the file and path.
 */
export function parseJsonFile<S extends Schema>(source: JsonSource, text: string, schema: S): Infer<S> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    // V8 quotes the text around the error, newlines included: the message stays one line
    const why = (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ');
    throw fail(source, `not valid JSON (${why})${source.expected ? `; ${source.expected}` : ''}`, e);
  }
  const duplicate = findDuplicateKey(text);
  if (duplicate) throw fail(source, `${formatJsonPath(duplicate)}: duplicate key (JSON would keep only the last one)`);
  return validateJson(source, value, schema);
}

/** Checks an already parsed value against `schema` (see `parseJsonFile`). */
export function validateJson<S extends Schema>(source: JsonSource, value: unknown, schema: S): Infer<S> {
  const result = v.safeParse(schema, value, { abortEarly: true, message: defaultMessage });
  if (result.success) return result.output as Infer<S>;
  throw fail(source, describeIssue(schema, result.issues[0]));
}

function fail(source: JsonSource, message: string, cause?: unknown): MsatError {
  const at = source.at ? `${source.at}: ` : '';
  return new MsatError(source.code, `${source.file}: ${at}${message}`, cause === undefined ? undefined : { cause });
}

/** `path: message`, with what was found after a message of the form "expected …". */
function describeIssue(schema: Schema, issue: v.BaseIssue<unknown>): string {
  // A union none of whose options fit: the option that got furthest says more than "expected A or B".
  const deepest = issue.issues?.filter((i) => i.path?.length).sort((a, b) => b.path!.length - a.path!.length)[0];
  if (deepest) return describeIssue(schema, { ...deepest, path: [...(issue.path ?? []), ...deepest.path!] as v.BaseIssue<unknown>['path'] });
  const keys = (issue.path ?? []).map((p) => p.key as string | number);
  const where = formatJsonPath(keys) || 'the document';
  const last = issue.path?.at(-1);
  if (last?.origin === 'key' && issue.expected === 'never') {
    const known = Object.keys(unwrap(schemaAt(schema, keys.slice(0, -1)))?.entries ?? {});
    return `${where}: unknown field${known.length ? ` (known: ${known.join(', ')})` : ''}`;
  }
  if (last?.origin === 'key') return `${where}: ${messageOf(schemaAt(schema, keys))}, got nothing (missing)`;
  const found = issue.message.startsWith('expected') && !issue.message.includes(', got ');
  return `${where}: ${issue.message}${found ? `, got ${describeValue(issue.input)}` : ''}`;
}

/** What a message says a value was. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing (missing)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/** The message of an issue whose schema gave none. */
function defaultMessage(issue: v.BaseIssue<unknown>): string {
  return issue.kind === 'schema'
    ? `expected ${words(issue.expected)}`
    : `expected ${issue.type.replace(/_/g, ' ')} ${issue.expected ?? ''}`.trimEnd();
}

function words(expects: string | null): string {
  const names: Record<string, string> = { number: 'a number', string: 'a string', boolean: 'true or false', Object: 'an object', Array: 'an array' };
  return expects === null
    ? 'something else'
    : expects
        .split(' | ')
        .map((e) => names[e] ?? e)
        .join(' or ');
}

interface SchemaParts {
  readonly kind?: string;
  readonly entries?: Record<string, SchemaParts>;
  readonly item?: SchemaParts;
  readonly options?: readonly SchemaParts[];
  readonly wrapped?: SchemaParts;
  readonly pipe?: readonly SchemaParts[];
  readonly message?: unknown;
  readonly expects?: string;
}

/** The container schema under optional/nullable wrappers and pipes (`record` is a pipe). */
function unwrap(s: SchemaParts | undefined): SchemaParts | undefined {
  while (s?.wrapped) s = s.wrapped;
  const inner =
    s && !s.entries && !s.item && !s.options
      ? s.pipe?.find((p) => p !== s && p.kind === 'schema' && (p.entries || p.item || p.wrapped || p.options || p.pipe))
      : undefined;
  return inner ? unwrap(inner) : s;
}

/** The schema at `keys` under `schema` (undefined where it cannot tell). */
function schemaAt(schema: Schema, keys: readonly (string | number)[]): SchemaParts | undefined {
  let s: SchemaParts | undefined = schema as SchemaParts;
  for (const key of keys) {
    s = unwrap(s);
    if (typeof key === 'number') s = s?.item;
    else s = s?.entries?.[key] ?? s?.options?.map(unwrap).find((o) => o?.entries?.[key])?.entries?.[key];
  }
  return s;
}

/** What a schema expects, in its own words where it has them. */
function messageOf(s: SchemaParts | undefined): string {
  while (s?.wrapped) s = s.wrapped;
  const own = [s?.message, ...(s?.pipe ?? []).map((p) => p.message)].find((m): m is string => typeof m === 'string');
  return own ?? `expected ${words(s?.expects ?? null)}`;
}

// The pieces formats are built from. Each message starts with "expected".

/** A finite number (JSON's 1e999 reads as Infinity). */
export const finite = (what = 'a finite number') => v.pipe(v.number(`expected ${what}`), v.finite(`expected ${what}`));
/** A finite number in [min, max]. */
export const between = (min: number, max: number, what = `a number in [${min}, ${max}]`) =>
  v.pipe(finite(what), v.minValue(min, `expected ${what}`), v.maxValue(max, `expected ${what}`));
/** A finite number > 0. */
export const positive = (what = 'a finite number > 0') => v.pipe(finite(what), v.gtValue(0, `expected ${what}`));
/** A whole number ≥ `min`. */
export const integer = (min = 0, what = `a whole number ≥ ${min}`) =>
  v.pipe(finite(what), v.integer(`expected ${what}`), v.minValue(min, `expected ${what}`));
/** A string. */
export const text = () => v.string('expected a string');
/** Lowercase hex SHA-256. */
export const sha256Hex = () => v.pipe(text(), v.regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits (a SHA-256)'));
/** An ISO 8601 time. */
export const isoTime = () =>
  v.pipe(
    text(),
    v.check((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO 8601 time'),
  );
/** One of `values`. */
export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  v.picklist(values, `expected one of ${values.map((x) => JSON.stringify(x)).join(', ')}`);
/** Not an array (valibot's objects accept arrays). */
const notArray = () => v.check((x: unknown) => !Array.isArray(x), 'expected an object');
/** An object with exactly these fields (a misspelt field is refused, not ignored). */
export const record = <E extends v.ObjectEntries>(entries: E) => v.pipe(v.unknown(), notArray(), v.strictObject(entries, 'expected an object'));
/** `record` as an option of `v.variant`, which needs the object schema itself. */
export const variantRecord = <E extends v.ObjectEntries>(entries: E) => v.strictObject(entries, 'expected an object');
/** An object with these fields; others are ignored and left out of what is read (a newer writer's additions). */
export const lenientRecord = <E extends v.ObjectEntries>(entries: E) => v.pipe(v.unknown(), notArray(), v.object(entries, 'expected an object'));
/** An object with these fields; fields not listed are kept as written (the writer's own). */
export const openRecord = <E extends v.ObjectEntries>(entries: E) => v.pipe(v.unknown(), notArray(), v.looseObject(entries, 'expected an object'));
/** An array. */
export const list = <S extends Schema>(item: S) => v.array(item, 'expected an array');

/** Path items for an issue raised by a check on a container, pointing into it. */
export function pathTo(input: unknown, ...keys: (string | number)[]): [v.IssuePathItem, ...v.IssuePathItem[]] {
  let value = input;
  const items = keys.map((key) => {
    const container = value as Record<string | number, unknown>;
    value = container?.[key];
    return { type: 'unknown', origin: 'value', input: container, key, value } as unknown as v.IssuePathItem;
  });
  return items as [v.IssuePathItem, ...v.IssuePathItem[]];
}

/**
 * Refuses two entries of an array with the same `key` (e.g. two calibration entries for one layer): the issue
 * names the second entry at `field` (a key, or keys, within it).
 */
export function uniqueBy<T>(key: (item: T) => string, field: string | readonly string[], what: string) {
  return v.rawCheck<T[]>(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const seen = new Map<string, number>();
    for (const [i, item] of dataset.value.entries()) {
      const k = key(item);
      const first = seen.get(k);
      if (first !== undefined) {
        addIssue({ message: `${what} ${JSON.stringify(k)} appears twice (also at [${first}])`, path: pathTo(dataset.value, i, ...[field].flat()) });
        return;
      }
      seen.set(k, i);
    }
  });
}
