// Tables of named ENUMERATED/INTEGER values (event causes, error codes, states): a value decodes to its
// ECMA name when known and stays a number when not, so nothing the PBX sends is lost.

import { CstaEncodeError } from "./decode_error.ts";

/** A named value, or the bare number when the table does not know it. */
export type Named<N extends string> = N | number;

/** A two-way table between ECMA names and their numbers. */
export class NamedValues<N extends string> {
  readonly #byName: ReadonlyMap<string, number>;
  readonly #byValue: ReadonlyMap<number, N>;

  constructor(readonly typeName: string, table: Readonly<Record<N, number>>) {
    this.#byName = new Map(Object.entries(table) as [string, number][]);
    const byValue = new Map<number, N>();
    for (const [name, value] of Object.entries(table) as [N, number][]) {
      if (!byValue.has(value)) byValue.set(value, name);
    }
    this.#byValue = byValue;
  }

  /** All names, in table order. */
  get names(): N[] {
    return [...this.#byName.keys()] as N[];
  }

  /** The name of a number, if the table has one. */
  nameOf(value: number): N | undefined {
    return this.#byValue.get(value);
  }

  /** Whether a string is one of the names. */
  has(name: string): name is N {
    return this.#byName.has(name);
  }

  /** The name for a decoded number, or the number itself when unknown. */
  fromNumber(value: number): Named<N> {
    return this.#byValue.get(value) ?? value;
  }

  /** The number to encode for a name or number. */
  toNumber(value: Named<N>): number {
    if (typeof value === "number") return value;
    const number = this.#byName.get(value);
    if (number === undefined) throw new CstaEncodeError(this.typeName, `unknown name "${value}"`);
    return number;
  }
}

/** Declares a table; the names become a string-literal union. */
export function namedValues<const T extends Record<string, number>>(
  typeName: string,
  table: T,
): NamedValues<keyof T & string> {
  return new NamedValues<keyof T & string>(typeName, table);
}

/** The name union of a table: `NamesOf<typeof EventCause>`. */
export type NamesOf<T> = T extends NamedValues<infer N> ? N : never;
