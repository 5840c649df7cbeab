// Random ROSE APDUs built by an independent minimal BER builder, so properties of the rewriters and
// templates do not test them against their own helpers: EventReports (§8.3) and MonitorStart results (§8.1).

import fc from "fast-check";

export function lengthOctets(n: number): number[] {
  if (n < 0x80) return [n];
  const octets: number[] = [];
  for (let x = n; x > 0; x = Math.floor(x / 256)) octets.unshift(x % 256);
  return [0x80 | octets.length, ...octets];
}

export function tlv(tag: number, content: readonly number[], indefinite = false): number[] {
  return indefinite ? [tag, 0x80, ...content, 0, 0] : [tag, ...lengthOctets(content.length), ...content];
}

/** Minimal two's complement, computed with BigInt. */
export function integerContent(value: number): number[] {
  const out: number[] = [];
  let x = BigInt(value);
  for (;;) {
    out.unshift(Number(BigInt.asUintN(8, x)));
    const rest = x >> 8n;
    const negative = (out[0] & 0x80) !== 0;
    if ((rest === 0n && !negative) || (rest === -1n && negative)) return out;
    x = rest;
  }
}

export interface Field {
  tag: number;
  content: Uint8Array;
}

export interface EventSpec {
  invokeId: number;
  linkedId: number | null;
  crossRef: Uint8Array;
  category: number;
  eventTag: number;
  fields: Field[];
  apduIndefinite: boolean;
  argumentIndefinite: boolean;
}

/** `A1 { 02 id, [80 linked], 02 15, 30 { 55 xref, category { event { fields } } } }` (§8.3). */
export function buildEvent(s: EventSpec): Uint8Array {
  const fields = s.fields.flatMap((f) => tlv(f.tag, [...f.content]));
  const info = tlv(s.category, tlv(s.eventTag, fields));
  const argument = tlv(0x30, [...tlv(0x55, [...s.crossRef]), ...info], s.argumentIndefinite);
  const linked = s.linkedId === null ? [] : tlv(0x80, integerContent(s.linkedId));
  return Uint8Array.from(
    tlv(
      0xa1,
      [...tlv(0x02, integerContent(s.invokeId)), ...linked, ...tlv(0x02, [0x15]), ...argument],
      s.apduIndefinite,
    ),
  );
}

export interface ResultSpec {
  invokeId: number;
  crossRef: Uint8Array;
  tail: Field[];
}

/** MonitorStart result `A2 { 02 id, 30 { 02 47, 30 { 55 xref, fields } } }` (§8.1). */
export function buildMonitorStartResult(s: ResultSpec): Uint8Array {
  const value = tlv(0x30, [
    ...tlv(0x55, [...s.crossRef]),
    ...s.tail.flatMap((f) => tlv(f.tag, [...f.content])),
  ]);
  return Uint8Array.from(
    tlv(0xa2, [...tlv(0x02, integerContent(s.invokeId)), ...tlv(0x30, [0x02, 0x01, 0x47, ...value])]),
  );
}

export const anyInvokeId = fc.oneof(
  fc.integer({ min: 1, max: 32767 }),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
);
export const anyCrossRef = fc.uint8Array({ minLength: 1, maxLength: 16 });
export const anyField: fc.Arbitrary<Field> = fc.record({
  tag: fc.constantFrom(0x04, 0x0a, 0x4e, 0x80, 0x81, 0x87),
  // Up to 300 octets, so APDU, argument and field lengths cross the 127/128 and 255/256 boundaries.
  content: fc.uint8Array({ maxLength: 300 }),
});
export const anyEvent: fc.Arbitrary<EventSpec> = fc.record({
  invokeId: anyInvokeId,
  linkedId: fc.option(fc.integer({ min: 0, max: 32767 })),
  crossRef: anyCrossRef,
  category: fc.integer({ min: 0xa0, max: 0xa7 }),
  eventTag: fc.integer({ min: 0xa0, max: 0xb1 }),
  fields: fc.array(anyField, { maxLength: 4 }),
  apduIndefinite: fc.boolean(),
  argumentIndefinite: fc.boolean(),
});
