import assert from "node:assert/strict";
import { decodeApdu, encodeApdu } from "../../../src/csta/apdu.ts";
import { decodeAcse, encodeLoginAarq } from "../../../src/csta/acse.ts";
import { cdrReportArgument } from "../../../src/csta/call_detail_records.ts";
import { decodeValue } from "../../../src/csta/codec.ts";
import { CstaDecodeError } from "../../../src/csta/decode_error.ts";
import { deviceNumber, dialingNumber, party } from "../../../src/csta/device_id.ts";
import { connection } from "../../../src/csta/connection_id.ts";
import { decodeEventReport, encodeEventReport } from "../../../src/csta/event_report.ts";
import {
  decodeDeviceListRequestResult,
  decodeKmeEscape,
  decodeKmePrivateData,
  encodeDeviceListRequest,
  encodeDeviceListSegment,
} from "../../../src/csta/kme_private_data.ts";
import {
  decodeTypedArgument,
  decodeTypedInvoke,
  decodeTypedResult,
  encodeTypedInvoke,
  encodeTypedResult,
  type OperationName,
  operationOf,
  operations,
} from "../../../src/csta/operations.ts";
import { exampleApdu, PROTOCOL_EXAMPLES } from "../../fixtures/protocol_examples.ts";

/** Deterministic PRNG (xorshift32) so a failure can be replayed from its seed and index. */
function prng(seed: number) {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
  return { next, below: (n: number) => next() % n, byte: () => next() & 0xff };
}

const conn = connection(Uint8Array.of(0, 0x11), dialingNumber("201"));

/** Seed APDUs: every §14 example plus frames built by the typed encoders (events, CDR, KME, results). */
function seeds(): Uint8Array[] {
  const out: Uint8Array[] = PROTOCOL_EXAMPLES.map((example) => exampleApdu(example).slice());
  out.push(
    encodeLoginAarq("user", "pässwort"),
    encodeEventReport(7, {
      crossRefIdentifier: Uint8Array.of(1, 2, 3, 4),
      event: {
        kind: "transferred",
        primaryOldCall: conn,
        secondaryOldCall: { callID: Uint8Array.of(0, 0x12) },
        transferringDevice: party(dialingNumber("201")),
        transferredToDevice: party(dialingNumber("202")),
        transferredConnections: [{
          newConnection: conn,
          endpoint: { kind: "deviceID", value: dialingNumber("7") },
        }],
        cause: "transfer",
        extensions: Uint8Array.of(0x7e, 0x06, 0xa1, 0x04, 0xa6, 0x02, 0x05, 0x00),
      },
    }),
    encodeEventReport(8, {
      crossRefIdentifier: Uint8Array.of(9),
      event: {
        kind: "forwarding",
        device: party(dialingNumber("201")),
        forwardStatus: true,
        forwardingType: "forwardBusy",
      },
    }),
    encodeTypedInvoke(9, "cDRReport", {
      cdrCrossRefID: Uint8Array.of(1),
      numberOfRecordsSent: 1,
      cdrInfo: [{
        recordCreationTime: "20240131120130",
        callingDevice: party(dialingNumber("201")),
        connectionDuration: 905,
        chargedDevice: { kind: "operator", value: dialingNumber("0") },
      }],
    }),
    encodeTypedInvoke(10, "consultationCall", {
      edition: 4,
      existingCall: conn,
      consultedDevice: dialingNumber("9"),
    }),
    encodeTypedInvoke(11, "setForwarding", {
      device: dialingNumber("201"),
      activateForward: true,
      forwardDN: dialingNumber("9"),
    }),
    encodeTypedResult(12, "snapshotDevice", {
      crossRefIDorSnapshotData: {
        kind: "snapshotData",
        value: [{
          connectionIdentifier: conn,
          localCallState: { kind: "compoundCallState", value: ["connected", "hold"] },
        }],
      },
    }),
    encodeTypedResult(13, "transferCall", { transferredCall: conn, connections: [{ oldConnection: conn }] }),
    encodeDeviceListRequest(0x0602, 5),
    encodeDeviceListSegment(14, {
      crossRefID: Uint8Array.of(1),
      segmentID: 1,
      lastSegment: false,
      devices: [{ device: deviceNumber(0x41), number: "101", status: 0, status2: 3 }],
    }),
  );
  return out;
}

function mutate(rng: ReturnType<typeof prng>, seed: Uint8Array): Uint8Array {
  const bytes = [...seed];
  const rounds = 1 + rng.below(4);
  for (let r = 0; r < rounds; r++) {
    const at = rng.below(bytes.length + 1);
    switch (rng.below(8)) {
      case 0: // flip one bit
        if (bytes.length) bytes[at % bytes.length] ^= 1 << rng.below(8);
        break;
      case 1: // replace a byte with an interesting value
        if (bytes.length) {
          bytes[at % bytes.length] = [0x00, 0x7f, 0x80, 0x81, 0x84, 0xff, 0x30, 0xa0, 0x1f][rng.below(9)];
        }
        break;
      case 2: // insert random bytes
        bytes.splice(at, 0, ...Array.from({ length: 1 + rng.below(4) }, rng.byte));
        break;
      case 3: // delete a run
        bytes.splice(at, 1 + rng.below(4));
        break;
      case 4: // truncate
        bytes.length = at;
        break;
      case 5: // change a length octet by a little
        if (bytes.length > 1) bytes[1 + (at % (bytes.length - 1))] += rng.below(5) - 2;
        break;
      case 6: // duplicate a slice
        bytes.splice(at, 0, ...bytes.slice(rng.below(bytes.length + 1), rng.below(bytes.length + 1)));
        break;
      default: // overwrite with a random byte
        if (bytes.length) bytes[at % bytes.length] = rng.byte();
    }
  }
  return Uint8Array.from(bytes.slice(0, 0xffff), (b) => b & 0xff);
}

function randomFrame(rng: ReturnType<typeof prng>): Uint8Array {
  const bytes = new Uint8Array(rng.below(64));
  for (let i = 0; i < bytes.length; i++) bytes[i] = rng.byte();
  if (bytes.length && rng.below(2)) {
    bytes[0] = [0x60, 0x61, 0x62, 0x63, 0x64, 0xa1, 0xa2, 0xa3, 0xa4][rng.below(9)];
  }
  return bytes;
}

/** Frames built to hurt: deep nesting, huge declared lengths, many tiny elements, indefinite chains. */
function hostileFrames(): Uint8Array[] {
  const deep = new Uint8Array(0xffff);
  for (let i = 0; i < deep.length; i += 2) [deep[i], deep[i + 1]] = [0x30, 0x80];
  const manyNulls = new Uint8Array(0xffff);
  manyNulls.set([0xa1, 0x83, 0x00, 0xff, 0xfa]);
  for (let i = 5; i + 1 < manyNulls.length; i += 2) [manyNulls[i], manyNulls[i + 1]] = [0x05, 0x00];
  const aarqDeep = new Uint8Array(2000);
  aarqDeep.set([0x60, 0x82, 0x07, 0xcc]);
  for (let i = 4; i + 1 < aarqDeep.length; i += 2) [aarqDeep[i], aarqDeep[i + 1]] = [0xbe, 0x80];
  return [
    deep,
    manyNulls,
    aarqDeep,
    Uint8Array.of(0xa1, 0x84, 0xff, 0xff, 0xff, 0xff),
    Uint8Array.of(0x60, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x80),
    Uint8Array.of(0xa2, 0x05, 0x02, 0x01, 0x01, 0x30, 0x80),
    Uint8Array.of(0x61, 0x06, 0xa1, 0x04, 0x06, 0x02, 0xff, 0xff),
  ];
}

/** Runs every decoder that applies; returns normally for values, rethrows anything not a CstaDecodeError. */
function decodeEverything(frame: Uint8Array, rng: ReturnType<typeof prng>, names: OperationName[]): void {
  const attempt = (step: () => unknown) => {
    try {
      step();
    } catch (error) {
      if (!(error instanceof CstaDecodeError)) throw error;
      assert.ok(Number.isInteger(error.offset) && error.offset >= 0, `offset ${error.offset}`);
    }
  };
  attempt(() => {
    const apdu = decodeApdu(frame);
    encodeApdu(apdu);
    if (apdu.kind === "invoke" && apdu.argument) {
      attempt(() => decodeTypedInvoke(apdu));
      if (apdu.opcode === 21) attempt(() => decodeEventReport(apdu.argument!));
      if (apdu.opcode === 51) attempt(() => decodeKmeEscape(apdu.argument!));
    }
    if (apdu.kind === "returnResult" && apdu.result?.value) {
      const name = operationOf(apdu.result.opcode);
      if (name && operations[name].result) {
        attempt(() => decodeTypedResult(name as never, apdu.result!.value!));
      }
      if (apdu.result.opcode === 51) attempt(() => decodeDeviceListRequestResult(apdu.result!.value!));
    }
  });
  // the typed decoders straight on the bytes, as if they were an argument or a result
  const name = names[rng.below(names.length)];
  attempt(() => decodeTypedArgument(name, frame));
  if (operations[name].result) attempt(() => decodeTypedResult(name as never, frame));
  attempt(() => decodeKmePrivateData(frame));
  attempt(() => decodeAcse(frame));
  attempt(() => decodeValue(cdrReportArgument, frame));
}

Deno.test("100,000+ mutated and random frames give only values or CstaDecodeErrors", () => {
  const rng = prng(0xc57a);
  const base = seeds();
  const names = Object.keys(operations) as OperationName[];
  let frames = 0;
  for (const frame of hostileFrames()) {
    decodeEverything(frame, rng, names);
    frames++;
  }
  for (let i = 0; i < 100_000; i++) {
    const frame = i % 10 === 0 ? randomFrame(rng) : mutate(rng, base[rng.below(base.length)]);
    try {
      decodeEverything(frame, rng, names);
    } catch (error) {
      throw new Error(`frame ${i}: ${Array.from(frame, (b) => b.toString(16).padStart(2, "0")).join(" ")}`, {
        cause: error,
      });
    }
    frames++;
  }
  assert.ok(frames >= 100_000);
});

Deno.test("hostile frames are refused by the limits instead of being walked", () => {
  const [deep, manyNulls] = hostileFrames();
  assert.throws(() => decodeApdu(deep), /nesting deeper/);
  assert.throws(() => decodeApdu(manyNulls), CstaDecodeError);
});
