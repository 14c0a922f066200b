// SQL is written only through these tagged templates: values become bound parameters, and
// identifiers go through sqlId, so no user text is ever concatenated into a statement.

export type SqlValue = string | number | bigint | null | Uint8Array;

export interface SqlFragment {
  readonly fragment: string;
  readonly params: readonly SqlValue[];
}

const FRAGMENT = Symbol('sql-fragment');

interface TaggedFragment extends SqlFragment {
  readonly [FRAGMENT]: true;
}

function isFragment(value: unknown): value is TaggedFragment {
  return typeof value === 'object' && value !== null && FRAGMENT in value;
}

function makeFragment(fragment: string, params: readonly SqlValue[]): TaggedFragment {
  return { fragment, params, [FRAGMENT]: true };
}

/** A piece of SQL with bound parameters; nested fragments are spliced in. */
export function sqlFragment(
  strings: TemplateStringsArray,
  ...values: (SqlValue | SqlFragment)[]
): SqlFragment {
  let text = strings[0];
  const params: SqlValue[] = [];
  values.forEach((value, i) => {
    if (isFragment(value)) {
      text += value.fragment;
      params.push(...value.params);
    } else {
      text += '?';
      params.push(value as SqlValue);
    }
    text += strings[i + 1];
  });
  return makeFragment(text, params);
}

/** A whole statement: `[query, params]`, ready for prepare(query).all(...params). */
export function sql(
  strings: TemplateStringsArray,
  ...values: (SqlValue | SqlFragment)[]
): [string, SqlValue[]] {
  const { fragment, params } = sqlFragment(strings, ...values);
  return [fragment, [...params]];
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A checked identifier (table or column name) to splice into a statement. */
export function sqlId(name: string): SqlFragment {
  if (!IDENTIFIER.test(name)) throw new Error(`invalid SQL identifier: ${JSON.stringify(name)}`);
  return makeFragment(`"${name}"`, []);
}

/** Joins fragments or values with a separator: `IN (${sqlJoin(ids)})`. */
export function sqlJoin(items: readonly (SqlValue | SqlFragment)[], separator = ', '): SqlFragment {
  const parts: string[] = [];
  const params: SqlValue[] = [];
  for (const item of items) {
    if (isFragment(item)) {
      parts.push(item.fragment);
      params.push(...item.params);
    } else {
      parts.push('?');
      params.push(item as SqlValue);
    }
  }
  return makeFragment(parts.join(separator), params);
}

/** SQLite allows a limited number of bound variables: run IN-list queries in batches. */
export const MAX_VARIABLES = 999;

export function batchMultiVarQuery<T, R>(
  values: readonly T[],
  query: (batch: readonly T[]) => R[],
  batchSize = MAX_VARIABLES,
): R[] {
  const out: R[] = [];
  for (let i = 0; i < values.length; i += batchSize) out.push(...query(values.slice(i, i + batchSize)));
  return out;
}
