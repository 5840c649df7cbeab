// fast-check arbitraries for the typed CSTA values (DeviceID, ConnectionID, filters, ...), shared by the
// codec property tests. Absent optional fields are omitted, never `undefined`, as the decoders produce.

import fc from "fast-check";
import type { BitString } from "../../../src/csta/bit_string.ts";
import type { ConnectionID, LocalDeviceID } from "../../../src/csta/connection_id.ts";
import type {
  DeviceID,
  DeviceIdentifier,
  PartyDeviceID,
  RedirectionDeviceID,
} from "../../../src/csta/device_id.ts";
import { EventCause, type EventCauseValue } from "../../../src/csta/event_cause.ts";
import type { Named, NamedValues } from "../../../src/csta/named_values.ts";

/** Records with a normal prototype, as decoders build them (deepStrictEqual compares prototypes). */
export const NO_NULL = { noNullPrototype: true } as const;

/** Bytes of 0..n octets. */
export const octets = (max = 6): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: 0, maxLength: max });

/** IA5 digits and a few other characters. */
export const digits: fc.Arbitrary<string> = fc.string({
  unit: fc.constantFrom(..."0123456789*#+"),
  maxLength: 12,
});

/** Latin-1 text (any octet survives the IA5 codec). */
export const text: fc.Arbitrary<string> = fc.string({
  unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)),
  maxLength: 10,
});

/** Integers that fit the 6-octet integer codec. */
export const int48: fc.Arbitrary<number> = fc.integer({ min: -(2 ** 47), max: 2 ** 47 - 1 });
export const smallInt: fc.Arbitrary<number> = fc.integer({ min: -70000, max: 70000 });

/** A value of a named table: one of its names, or a number it does not know (known numbers decode to names). */
export function named<N extends string>(table: NamedValues<N>): fc.Arbitrary<Named<N>> {
  return fc.oneof(
    fc.constantFrom(...table.names),
    fc.integer({ min: -1000, max: 100000 }).filter((n) => table.nameOf(n) === undefined),
  );
}

export const eventCause: fc.Arbitrary<EventCauseValue> = named(EventCause);

/** BIT STRINGs with consistent unused bits. */
export const bitString: fc.Arbitrary<BitString> = fc.oneof(
  fc.constant<BitString>({ unusedBits: 0, bytes: new Uint8Array(0) }),
  fc.record({
    unusedBits: fc.integer({ min: 0, max: 7 }),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }),
  }, NO_NULL),
);

const tonKinds = [
  "unknown",
  "international",
  "national",
  "networkspecific",
  "subscriber",
  "abbreviated",
] as const;
const privateTonKinds = [
  "unknown",
  "level3RegionalNumber",
  "level2RegionalNumber",
  "level1RegionalNumber",
  "pTNSpecificNumber",
  "localNumber",
  "abbreviated",
] as const;

export const deviceIdentifier: fc.Arbitrary<DeviceIdentifier> = fc.oneof(
  digits.map((value) => ({ kind: "dialingNumber" as const, value })),
  int48.map((value) => ({ kind: "deviceNumber" as const, value })),
  digits.map((value) => ({ kind: "implicitPublic" as const, value })),
  fc.record({ kind: fc.constantFrom(...tonKinds), value: digits }, NO_NULL).map((value) => ({
    kind: "explicitPublic" as const,
    value,
  })),
  digits.map((value) => ({ kind: "implicitPrivate" as const, value })),
  fc.record({ kind: fc.constantFrom(...privateTonKinds), value: digits }, NO_NULL).map((value) => ({
    kind: "explicitPrivate" as const,
    value,
  })),
  octets().map((value) => ({ kind: "other" as const, value })),
);

/** A raw SEQUENCE element (what MediaCallCharacteristics etc. look like). */
export const rawSequence: fc.Arbitrary<Uint8Array> = octets(5).map((content) =>
  Uint8Array.of(0x30, content.length + 2, 0x04, content.length, ...content)
);

export const deviceId: fc.Arbitrary<DeviceID> = fc.record(
  {
    deviceIdentifier,
    privateNumber: digits,
    privateName: text,
    mediaCallCharacteristics: rawSequence,
  },
  { requiredKeys: ["deviceIdentifier"], noNullPrototype: true },
);

export const partyDeviceId: fc.Arbitrary<PartyDeviceID> = fc.oneof(
  { weight: 4, arbitrary: deviceId.map((value) => ({ kind: "deviceIdentifier" as const, value })) },
  {
    weight: 1,
    arbitrary: deviceIdentifier.filter((d) =>
      d.kind !== "dialingNumber" && d.kind !== "deviceNumber"
    ) as fc.Arbitrary<
      PartyDeviceID
    >,
  },
  { weight: 1, arbitrary: fc.constantFrom<PartyDeviceID>({ kind: "notKnown" }, { kind: "restricted" }) },
);

export const redirectionDeviceId: fc.Arbitrary<RedirectionDeviceID> = fc.oneof(
  deviceId.map((value) => ({ kind: "numberdialed" as const, value })),
  fc.constantFrom<RedirectionDeviceID>(
    { kind: "notKnown" },
    { kind: "notRequired" },
    { kind: "notSpecified" },
    { kind: "restricted" },
  ),
);

export const localDeviceId: fc.Arbitrary<LocalDeviceID> = fc.oneof(
  deviceId.map((value) => ({ kind: "staticID" as const, value })),
  octets().map((value) => ({ kind: "dynamicID" as const, value })),
);

export const connectionId: fc.Arbitrary<ConnectionID> = fc.record(
  { callID: octets(4), deviceID: localDeviceId },
  { requiredKeys: [], noNullPrototype: true },
).filter((c) => c.callID !== undefined || c.deviceID !== undefined);

/** Raw extensions element `7E { A1 { 04 … } }`. */
export const extensionsBytes: fc.Arbitrary<Uint8Array> = octets(6).map((content) =>
  Uint8Array.of(0x7e, content.length + 4, 0xa1, content.length + 2, 0x04, content.length, ...content)
);

/** An element no CSTA declaration uses (private class, tag [64]), to test that unknown fields survive. */
export const foreignElement: fc.Arbitrary<Uint8Array> = octets(3).map((content) =>
  Uint8Array.of(0xdf, 0x40, content.length, ...content)
);

/** A record with the given required and optional fields (optional ones omitted or present). */
export function rec<
  R extends Record<string, fc.Arbitrary<unknown>>,
  O extends Record<string, fc.Arbitrary<unknown>>,
>(
  required: R,
  optional: O = {} as O,
): fc.Arbitrary<
  & { [K in keyof R]: R[K] extends fc.Arbitrary<infer T> ? T : never }
  & { [K in keyof O]?: O[K] extends fc.Arbitrary<infer T> ? T : never }
> {
  const model = { ...required, ...optional } as Record<string, fc.Arbitrary<unknown>>;
  // deno-lint-ignore no-explicit-any
  return fc.record(model, { requiredKeys: Object.keys(required) as any, noNullPrototype: true }) as any;
}

/** A raw `[n]` element (constructed, holding an OCTET STRING), as kept for structures cstabox does not read. */
export const rawContext = (n: number): fc.Arbitrary<Uint8Array> =>
  octets(4).map((content) => Uint8Array.of(0xa0 | n, content.length + 2, 0x04, content.length, ...content));

export const bool: fc.Arbitrary<boolean> = fc.boolean();
