// ConnectionID (§5.2): a call, a device, or both, as `6B` CHOICE; plus the ConnectionList of transfer
// and conference results and events.

import { applicationTag } from "./ber_reader.ts";
import { concatBytes, tlv } from "./ber_writer.ts";
import {
  choice,
  type Codec,
  describeTag,
  explicit,
  implicit,
  type Infer,
  nullValue,
  octetString,
  opt,
  raw,
  sequence,
  sequenceOf,
  wrapDecode,
  wrapEncode,
} from "./codec.ts";
import { CstaEncodeError } from "./decode_error.ts";
import { type DeviceID, deviceId } from "./device_id.ts";

/** LocalDeviceID: the device of a connection, static (a DeviceID) or a dynamic switch handle. */
export type LocalDeviceID = { kind: "staticID"; value: DeviceID } | { kind: "dynamicID"; value: Uint8Array };

/** LocalDeviceID codec: `30 …` or `83 LL …`. */
export const localDeviceId: Codec<LocalDeviceID> = choice("LocalDeviceID", {
  staticID: deviceId,
  dynamicID: implicit(3, octetString),
});

/**
 * A connection: `callID` alone, `deviceID` alone, or both (Panasonic always sends both). The form on the
 * wire follows from which fields are set. §5.2 [C-std], [C-pbx]
 */
export interface ConnectionID {
  /** Opaque call identifier (2 octets in the examples; Panasonic's length is not documented). */
  callID?: Uint8Array;
  deviceID?: LocalDeviceID;
}

const CONNECTION_TAG = applicationTag(11, true);
const callIdCodec = implicit(0, octetString);
const deviceIdCodec = explicit(1, localDeviceId);
const WHAT = "ConnectionID";

function encodeConnectionContent(value: ConnectionID): Uint8Array {
  const { callID, deviceID } = value;
  if (callID !== undefined && deviceID !== undefined) {
    return tlv(
      0x30,
      concatBytes([callIdCodec.encode(callID), wrapEncode(`${WHAT}.deviceID`, deviceIdCodec, deviceID)]),
    );
  }
  if (callID !== undefined) return callIdCodec.encode(callID);
  if (deviceID !== undefined) return wrapEncode(`${WHAT}.deviceID`, deviceIdCodec, deviceID);
  throw new CstaEncodeError(WHAT, "neither callID nor deviceID given");
}

/** ConnectionID codec, `6B { 80 callID | A1 device | 30 { 80 callID, A1 device } }`. */
export const connectionId: Codec<ConnectionID> = {
  what: WHAT,
  tags: [CONNECTION_TAG],
  decode: (reader, element) => {
    const inner = reader.children(element, WHAT);
    if (inner.length !== 1) reader.fail(WHAT, element.start, `CHOICE wrapper holds ${inner.length} elements`);
    const alternative = inner[0];
    switch (alternative.tag) {
      case 0x80:
        return { callID: callIdCodec.decode(reader, alternative) };
      case 0xa1:
        return { deviceID: wrapDecode(`${WHAT}.deviceID`, () => deviceIdCodec.decode(reader, alternative)) };
      case 0x30: {
        const parts = reader.children(alternative, `${WHAT}.both`);
        if (parts.length !== 2 || parts[0].tag !== 0x80 || parts[1].tag !== 0xa1) {
          reader.fail(`${WHAT}.both`, alternative.start, "expected callID [0] then deviceID [1]");
        }
        return {
          callID: callIdCodec.decode(reader, parts[0]),
          deviceID: wrapDecode(`${WHAT}.both.deviceID`, () => deviceIdCodec.decode(reader, parts[1])),
        };
      }
      default:
        return reader.fail(
          WHAT,
          alternative.start,
          `unexpected alternative tag ${describeTag(alternative.tag)}`,
        );
    }
  },
  encode: (value) => tlv(CONNECTION_TAG, encodeConnectionContent(value)),
  encodeContent: encodeConnectionContent,
};

/** A connection in the `both` form with a static device, as Panasonic sends them. */
export function connection(callID: Uint8Array, device: DeviceID): ConnectionID {
  return { callID, deviceID: { kind: "staticID", value: device } };
}

/** The static DeviceID of a connection, if it has one. */
export function connectionDevice(connection: ConnectionID): DeviceID | undefined {
  return connection.deviceID?.kind === "staticID" ? connection.deviceID.value : undefined;
}

/** One ConnectionList entry: which connection replaced which, and the party at its end. §8.4 [C-std] */
export const connectionListEntry = sequence("ConnectionList entry", {
  newConnection: opt(explicit(0, connectionId)),
  oldConnection: opt(explicit(1, connectionId)),
  endpoint: opt(explicit(
    2,
    choice("ConnectionList.endpoint", {
      deviceID: deviceId,
      notKnown: nullValue,
      restricted: explicit(1, nullValue),
    }),
  )),
  associatedNID: opt(
    explicit(3, choice("ConnectionList.associatedNID", { deviceID: deviceId, notKnown: nullValue })),
  ),
  resultingConnectionInfo: opt(raw("ConnectionInformation", 0x30)),
});
export type ConnectionListEntry = Infer<typeof connectionListEntry>;

/** ConnectionList: SEQUENCE OF entries. */
export const connectionList = sequenceOf("ConnectionList", connectionListEntry);
export type ConnectionList = Infer<typeof connectionList>;
