// Small composable BER codecs (primitives, IMPLICIT/EXPLICIT tagging, SEQUENCE, SEQUENCE OF, CHOICE) that
// every CSTA type is declared with; value types are inferred from the declarations.

import {
  type BerElement,
  BerReader,
  contextTag,
  isConstructedTag,
  TagClass,
  type TagKey,
  tagKey,
} from "./ber_reader.ts";
import {
  booleanContent,
  concatBytes,
  integerContent,
  latin1Content,
  objectIdentifierContent,
  tlv,
} from "./ber_writer.ts";
import type { BitString } from "./bit_string.ts";
import { CstaDecodeError, CstaEncodeError } from "./decode_error.ts";
import type { Named, NamedValues } from "./named_values.ts";

/** Encoder and decoder of one ASN.1 type. */
export interface Codec<T> {
  /** What this is, for error messages (`"DeviceID"`, `"MakeCall argument"`). */
  readonly what: string;
  /** Tags the value can start with where it appears untagged (several for an untagged CHOICE). */
  readonly tags: readonly TagKey[];
  /** Decodes an element whose tag the caller has already matched against `tags` (or retagged). */
  decode(reader: BerReader, element: BerElement): T;
  /** The whole element, header included. */
  encode(value: T): Uint8Array;
  /** Content octets only; present when the type has exactly one tag, so it can be IMPLICITly retagged. */
  readonly encodeContent?: (value: T) => Uint8Array;
  /** Marks NULL types, which become `{ kind }` without a value inside a CHOICE. */
  readonly isNull?: true;
}

/** The value type of a codec. */
export type Infer<C> = C extends Codec<infer T> ? T : never;

/** Flattens an intersection into one object type for readable hovers. */
// deno-lint-ignore ban-types
export type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** Decodes one complete value from bytes; `baseOffset` is added to error offsets. */
export function decodeValue<T>(codec: Codec<T>, bytes: Uint8Array, baseOffset = 0): T {
  const reader = new BerReader(bytes, baseOffset);
  const element = reader.single(codec.what);
  if (!codec.tags.includes(element.tag)) {
    reader.fail(codec.what, element.start, `unexpected tag ${describeTag(element.tag)}`);
  }
  return codec.decode(reader, element);
}

/** Readable tag for messages: `0x6B`, or `[38] (0x26BF)`. */
export function describeTag(tag: TagKey): string {
  return `0x${tag.toString(16).toUpperCase().padStart(2, "0")}`;
}

function primitiveCodec<T>(
  what: string,
  tag: TagKey,
  read: (reader: BerReader, element: BerElement, what: string) => T,
  write: (value: T, what: string) => Uint8Array,
): Codec<T> {
  const encodeContent = (value: T) => write(value, what);
  return {
    what,
    tags: [tag],
    decode: (reader, element) => read(reader, element, what),
    encode: (value) => tlv(tag, encodeContent(value)),
    encodeContent,
  };
}

/** INTEGER as a number. */
export const integer: Codec<number> = primitiveCodec(
  "INTEGER",
  0x02,
  (r, e, w) => r.integer(e, w),
  integerContent,
);

/** ENUMERATED as a plain number. */
export const enumerated: Codec<number> = primitiveCodec(
  "ENUMERATED",
  0x0a,
  (r, e, w) => r.integer(e, w),
  integerContent,
);

/** ENUMERATED decoded to a name from `table` when known, kept as a number when not. */
export function namedEnumerated<N extends string>(table: NamedValues<N>): Codec<Named<N>> {
  return primitiveCodec<Named<N>>(
    table.typeName,
    0x0a,
    (r, e, w) => table.fromNumber(r.integer(e, w)),
    (v, w) => integerContent(table.toNumber(v), w),
  );
}

/** INTEGER decoded to a name from `table` when known (ROSE problem codes). */
export function namedInteger<N extends string>(table: NamedValues<N>): Codec<Named<N>> {
  return primitiveCodec<Named<N>>(
    table.typeName,
    0x02,
    (r, e, w) => table.fromNumber(r.integer(e, w)),
    (v, w) => integerContent(table.toNumber(v), w),
  );
}

/** BOOLEAN. */
export const boolean: Codec<boolean> = primitiveCodec(
  "BOOLEAN",
  0x01,
  (r, e, w) => r.boolean(e, w),
  (v) => booleanContent(v),
);

/** NULL. */
export const nullValue: Codec<null> = {
  ...primitiveCodec<null>("NULL", 0x05, (r, e, w) => r.null(e, w), () => new Uint8Array(0)),
  isNull: true,
};

/** OCTET STRING as a copy of its octets. */
export const octetString: Codec<Uint8Array> = primitiveCodec<Uint8Array>(
  "OCTET STRING",
  0x04,
  (r, e, w) => r.primitive(e, w).slice(),
  (v) => v,
);

/** IA5String (digits, names) as a string of octets. */
export const ia5String: Codec<string> = primitiveCodec(
  "IA5String",
  0x16,
  (r, e, w) => r.latin1(e, w),
  latin1Content,
);

/** OBJECT IDENTIFIER as dotted text (ACSE application contexts, EXTERNAL direct-references). */
export const objectIdentifier: Codec<string> = primitiveCodec(
  "OBJECT IDENTIFIER",
  0x06,
  (r, e, w) => r.objectIdentifier(e, w),
  objectIdentifierContent,
);

/** GeneralizedTime kept as its text (`YYYYMMDDhhmmss[.f][Z|±hhmm]`); see call_detail_records.ts. */
export const generalizedTime: Codec<string> = primitiveCodec(
  "GeneralizedTime",
  0x18,
  (r, e, w) => r.latin1(e, w),
  latin1Content,
);

/** BIT STRING with its exact octets and unused-bit count. */
export const bitString: Codec<BitString> = primitiveCodec<BitString>(
  "BIT STRING",
  0x03,
  (r, e, w) => {
    const content = r.primitive(e, w);
    if (content.length === 0) r.fail(w, e.start, "bit string without the unused-bits octet");
    const unusedBits = content[0];
    if (unusedBits > 7 || (content.length === 1 && unusedBits !== 0)) {
      r.fail(w, e.start, `bad unused-bits count ${unusedBits}`);
    }
    return { unusedBits, bytes: content.slice(1) };
  },
  (v, w) => {
    if (v.unusedBits < 0 || v.unusedBits > 7 || (v.bytes.length === 0 && v.unusedBits !== 0)) {
      throw new CstaEncodeError(w, `bad unused-bits count ${v.unusedBits}`);
    }
    return concatBytes([Uint8Array.of(v.unusedBits), v.bytes]);
  },
);

/** `[n] IMPLICIT T` (or another class): the tag replaces T's own; T must have exactly one tag. */
export function implicit<T>(n: number, codec: Codec<T>, classBits: number = TagClass.context): Codec<T> {
  const encodeContent = codec.encodeContent;
  if (codec.tags.length !== 1 || encodeContent === undefined) {
    throw new Error(`${codec.what} has no single tag and cannot be tagged implicitly`);
  }
  const tag = tagKey(classBits, isConstructedTag(codec.tags[0]), n);
  return {
    what: codec.what,
    tags: [tag],
    decode: codec.decode,
    encode: (value) => tlv(tag, encodeContent(value)),
    encodeContent,
    ...(codec.isNull ? { isNull: true as const } : {}),
  };
}

/** `[n] T` with explicit tagging: a constructed wrapper around T's own element. */
export function explicit<T>(n: number, codec: Codec<T>, classBits: number = TagClass.context): Codec<T> {
  const tag = tagKey(classBits, true, n);
  const what = codec.what;
  return {
    what,
    tags: [tag],
    decode: (reader, element) => {
      const inner = reader.children(element, what);
      if (inner.length !== 1) {
        reader.fail(what, element.start, `tagged wrapper holds ${inner.length} elements`);
      }
      if (!codec.tags.includes(inner[0].tag)) {
        reader.fail(what, inner[0].start, `unexpected tag ${describeTag(inner[0].tag)}`);
      }
      return codec.decode(reader, inner[0]);
    },
    encode: (value) => tlv(tag, codec.encode(value)),
    encodeContent: (value) => codec.encode(value),
    ...(codec.isNull ? { isNull: true as const } : {}),
  };
}

/**
 * An element kept as raw bytes (header included) and re-sent unchanged: types cstabox does not interpret
 * (private data, media characteristics, ...). Accepts the primitive and constructed form of each tag.
 */
export function raw(what: string, ...tags: TagKey[]): Codec<Uint8Array> {
  const accepted = [...new Set(tags.flatMap((t) => [t & ~0x20, t | 0x20]))];
  return {
    what,
    tags: accepted,
    decode: (reader, element) => reader.raw(element),
    encode: (value) => {
      checkRawElement(what, value, accepted);
      return value;
    },
  };
}

/** `[n] IMPLICIT <something>` kept raw. */
export function rawContext(what: string, n: number): Codec<Uint8Array> {
  return raw(what, contextTag(n));
}

/** Checks that caller-supplied raw bytes are one well-formed element with an allowed tag. */
export function checkRawElement(what: string, value: Uint8Array, tags: readonly TagKey[] | null): void {
  let element: BerElement;
  try {
    element = new BerReader(value).single(what);
  } catch (error) {
    if (error instanceof CstaDecodeError) throw new CstaEncodeError(what, `raw bytes: ${error.message}`);
    throw error;
  }
  if (tags !== null && !tags.includes(element.tag)) {
    throw new CstaEncodeError(what, `raw bytes start with tag ${describeTag(element.tag)}`);
  }
}

/** SEQUENCE OF T (or another tag, e.g. `[APPLICATION 22] IMPLICIT SEQUENCE OF`). */
export function sequenceOf<T>(what: string, item: Codec<T>, tag: TagKey = 0x30): Codec<T[]> {
  const encodeContent = (values: T[]) =>
    concatBytes(values.map((v, i) => wrapEncode(`${what}[${i}]`, item, v)));
  return {
    what,
    tags: [tag],
    decode: (reader, element) =>
      reader.children(element, what).map((child, i) => {
        if (!item.tags.includes(child.tag)) {
          reader.fail(`${what}[${i}]`, child.start, `unexpected tag ${describeTag(child.tag)}`);
        }
        return wrapDecode(`${what}[${i}]`, () => item.decode(reader, child));
      }),
    encode: (values) => tlv(tag, encodeContent(values)),
    encodeContent,
  };
}

/** An element of a SEQUENCE that the declaration does not know, kept with its position. */
export interface UnknownField {
  /** The known field it followed (`null`: before all known fields). */
  readonly after: string | null;
  /** The element, header included. */
  readonly raw: Uint8Array;
}

/** One declared SEQUENCE component. */
export interface Field<T, Optional extends boolean> {
  readonly codec: Codec<T>;
  readonly optional: Optional;
}

/** A mandatory component. */
export function req<T>(codec: Codec<T>): Field<T, false> {
  return { codec, optional: false };
}

/** An OPTIONAL (or DEFAULT) component; absent on decode stays absent on encode. */
export function opt<T>(codec: Codec<T>): Field<T, true> {
  return { codec, optional: true };
}

// deno-lint-ignore no-explicit-any
type AnyField = Field<any, boolean>;
type Fields = Record<string, AnyField>;
// deno-lint-ignore no-explicit-any
type RequiredKeys<F extends Fields> = { [K in keyof F]: F[K] extends Field<any, false> ? K : never }[keyof F];
// deno-lint-ignore no-explicit-any
type OptionalKeys<F extends Fields> = { [K in keyof F]: F[K] extends Field<any, true> ? K : never }[keyof F];
type FieldValue<X> = X extends Field<infer T, boolean> ? T : never;

/** The value of a SEQUENCE declared with `fields`: required keys, optional keys, and unknown elements. */
export type SequenceValue<F extends Fields> = Simplify<
  & { [K in RequiredKeys<F>]: FieldValue<F[K]> }
  & { [K in OptionalKeys<F>]?: FieldValue<F[K]> }
  & { unknownFields?: UnknownField[] }
>;

/**
 * SEQUENCE with components in declaration order. Decoding matches each element to the first remaining
 * component whose tags fit; elements matching none are kept in `unknownFields` (later editions add fields)
 * and re-encoded at the same place, so decode → encode reproduces what was read.
 */
export function sequence<F extends Fields>(
  what: string,
  fields: F,
  tag: TagKey = 0x30,
): Codec<SequenceValue<F>> {
  const names = Object.keys(fields);
  const specs = names.map((name) => fields[name]);
  const labels = names.map((name) => `${what}.${name}`);

  const decode = (reader: BerReader, element: BerElement): SequenceValue<F> => {
    const children = reader.children(element, what);
    const out: Record<string, unknown> = {};
    let unknown: UnknownField[] | undefined;
    let next = 0;
    let last: string | null = null;
    for (const child of children) {
      let match = -1;
      for (let i = next; i < specs.length; i++) {
        if (specs[i].codec.tags.includes(child.tag)) {
          match = i;
          break;
        }
      }
      if (match < 0) {
        (unknown ??= []).push({ after: last, raw: reader.raw(child) });
        continue;
      }
      for (let i = next; i < match; i++) {
        if (!specs[i].optional) reader.fail(labels[i], child.start, "mandatory component missing");
      }
      const spec = specs[match];
      out[names[match]] = wrapDecode(labels[match], () => spec.codec.decode(reader, child));
      last = names[match];
      next = match + 1;
    }
    for (let i = next; i < specs.length; i++) {
      if (!specs[i].optional) reader.fail(labels[i], element.contentEnd, "mandatory component missing");
    }
    if (unknown) out.unknownFields = unknown;
    return out as SequenceValue<F>;
  };

  const known = new Set([...names, "unknownFields"]);
  const encodeContent = (value: SequenceValue<F>): Uint8Array => {
    const record = value as Record<string, unknown>;
    for (const key in record) {
      // A misspelt or misplaced field would otherwise vanish silently from the frame.
      if (!known.has(key) && record[key] !== undefined) {
        throw new CstaEncodeError(what, `unknown field "${key}"`);
      }
    }
    const unknown = (record.unknownFields ?? []) as UnknownField[];
    const parts: Uint8Array[] = [];
    const placed = new Set<UnknownField>();
    const placeAfter = (after: string | null) => {
      for (const field of unknown) {
        if (field.after === after && !placed.has(field)) {
          checkRawElement(`${what}.unknownFields`, field.raw, null);
          parts.push(field.raw);
          placed.add(field);
        }
      }
    };
    placeAfter(null);
    for (let i = 0; i < specs.length; i++) {
      const fieldValue = record[names[i]];
      if (fieldValue === undefined) {
        if (!specs[i].optional) throw new CstaEncodeError(labels[i], "mandatory component missing");
        continue;
      }
      parts.push(wrapEncode(labels[i], specs[i].codec, fieldValue));
      placeAfter(names[i]);
    }
    for (const field of unknown) {
      if (!placed.has(field)) {
        checkRawElement(`${what}.unknownFields`, field.raw, null);
        parts.push(field.raw);
      }
    }
    return concatBytes(parts);
  };

  return { what, tags: [tag], decode, encode: (value) => tlv(tag, encodeContent(value)), encodeContent };
}

// deno-lint-ignore no-explicit-any
type Alternatives = Record<string, Codec<any>>;

/** The value of a CHOICE: `{ kind }` for NULL alternatives, `{ kind, value }` for the others. */
export type ChoiceValue<A extends Alternatives> = {
  [K in keyof A & string]: [Infer<A[K]>] extends [null] ? { kind: K } : { kind: K; value: Infer<A[K]> };
}[keyof A & string];

/** An untagged CHOICE; the alternatives' tags must be distinct. Wrap in `explicit` for `[n] CHOICE`. */
export function choice<A extends Alternatives>(what: string, alternatives: A): Codec<ChoiceValue<A>> {
  const byTag = new Map<TagKey, [string, Codec<unknown>]>();
  for (const [kind, codec] of Object.entries(alternatives)) {
    for (const tag of codec.tags) {
      if (byTag.has(tag)) throw new Error(`${what}: tag ${describeTag(tag)} used twice`);
      byTag.set(tag, [kind, codec]);
    }
  }
  return {
    what,
    tags: [...byTag.keys()],
    decode: (reader, element) => {
      const entry = byTag.get(element.tag);
      if (!entry) return reader.fail(what, element.start, `unexpected tag ${describeTag(element.tag)}`);
      const [kind, codec] = entry;
      const value = wrapDecode(`${what}.${kind}`, () => codec.decode(reader, element));
      return (codec.isNull ? { kind } : { kind, value }) as ChoiceValue<A>;
    },
    encode: (value) => {
      const codec = alternatives[value.kind];
      if (!codec) throw new CstaEncodeError(what, `unknown alternative "${value.kind}"`);
      const inner = codec.isNull ? null : (value as { value: unknown }).value;
      return wrapEncode(`${what}.${value.kind}`, codec, inner);
    },
  };
}

/** A codec with a different name in error messages. */
export function named<T>(what: string, codec: Codec<T>): Codec<T> {
  return { ...codec, what };
}

/** Runs a decode step and prefixes `label` to any decode error it raises. */
export function wrapDecode<T>(label: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof CstaDecodeError && !error.what.startsWith(label)) {
      throw new CstaDecodeError(`${label} > ${error.what}`, error.offset, error.reason);
    }
    throw error;
  }
}

/** Encodes with a codec and prefixes `label` to any encode error it raises. */
export function wrapEncode<T>(label: string, codec: Codec<T>, value: T): Uint8Array {
  try {
    return codec.encode(value);
  } catch (error) {
    if (error instanceof CstaEncodeError && !error.what.startsWith(label)) {
      throw new CstaEncodeError(`${label} > ${error.what}`, error.reason);
    }
    throw error;
  }
}
