// The four example calls of the IP SMDR seed document (seeds/001_c3ea07ed760ea153.txt), as the seed prints
// them (runs of spaces collapsed by the text extraction) and as the SMDR events that should produce them.

import type { SmdrEvent, SmdrEventType } from "../../../src/smdr/smdr_event.ts";

export interface SeedScenario {
  name: string;
  /** The seed's example lines, verbatim. */
  seedLines: string[];
  /** The same lines with the seed's known extraction fault corrected (see `docs/smdr.md`). */
  expectedLines: string[];
  events: SmdrEvent[];
}

const inboundSeed = [
  "2012-03-09 01:20:40 |IN | 2012030901204052070264 0092108 0001843 0000000 0000079XXXXXXXX |CHRIS R MOBILE| 00044161XXXXXXX |CHRIS DID | 000000000000 |RINGING |",
  "2012-03-09 01:20:43 |IN | 2012030901204052070264 0092108 0001843 0000000 0000079XXXXXXXX |CHRIS R MOBILE| 00044161XXXXXXX |CHRIS DID | 000000000000 |ANSWERED |",
  "2012-03-09 01:20:43 |IN | 2012030901204052070264 0092108 0001843 0000000 0000079XXXXXXXX |CHRIS R MOBILE| 00044161XXXXXXX |CHRIS DID | 000000000000 |CALLMODIFIED|",
  "2012-03-09 01:20:46 |IN | 2012030901204052070264 0092108 0001843 0000000 0000079XXXXXXXX |CHRIS R MOBILE| 00044161XXXXXXX |CHRIS DID | 000000000000 |DISCONNECTED|",
];

const outboundSeed = [
  "2012-03-09 12:46:59 |OUT| 2012030900465982190047 0092808 0001843 0000000 0000079XXXXXXXX | | 000000000000000 000000000000 |RINGING |",
  "2012-03-09 12:47:06 |OUT| 2012030900465982190047 0092808 0001843 0000000 0000079XXXXXXXX | | 000000000000000 000000000000 |ANSWERED |",
  "2012-03-09 12:47:10 |OUT| 2012030900465982190047 0092808 0001843 0000000 0000079XXXXXXXX | | 000000000000000 000000000000 |DISCONNECTED|",
];

const heldSeed = [
  "2012-03-09 01:20:53 |IN | 2012030901205303270264 0092108 0001843 0000000 0000079XXXXXXXX |CHRIS R MOBILE| 00044161XXXXXXX |CHRIS DID | 000000000000 |RINGING |",
  "2012-03-09 01:20:54 |IN | 2012030901205303270264 0092108 0001843 0000000 0000079XXXXXXXX |CHRIS R MOBILE| 00044161XXXXXXX |CHRIS DID | 000000000000 |ANSWERED |",
  "2012-03-09 01:20:54 |IN | 2012030901205303270264 0092108 0001843 0000000 0000079XXXXXXXX |CHRIS R MOBILE| 00044161XXXXXXX |CHRIS DID | 000000000000 |CALLMODIFIED|",
  "2012-03-09 01:20:55 |IN | 2012030901205303270264 0092108 0001843 0000000 0000079XXXXXXXX |CHRIS R MOBILE| 00044161XXXXXXX |CHRIS DID | 000000000000 |HOLD |",
  "2012-03-09 01:20:58 |IN | 2012030901205303270264 0092108 0001843 0000000 0000079XXXXXXXX |CHRIS R MOBILE| 00044161XXXXXXX |CHRIS DID | 000000000000 |CONNECTED |",
  "2012-03-09 01:21:00 |IN | 2012030901205303270264 0092108 0001843 0000000 000007968543537 |CHRIS R MOBILE| 00044161XXXXXXX |CHRIS DID | 000000000000 |DISCONNECTED|",
];

const transferredSeed = [
  "2012-03-09 01:31:15 |IN | 2012030901311586070264 0092108 0001843 0000000 0000079XXXXXXXX |CHRIS R MOBILE| 00044161XXXXXXX |CHRIS DID | 000000000000 |RINGING |",
  "2012-03-09 01:31:18 |IN | 2012030901311586070264 0092108 0001843 0000000 0000079XXXXXXXX |CHRIS R MOBILE| 00044161XXXXXXX |CHRIS DID | 000000000000 |ANSWERED |",
  "2012-03-09 01:31:20 |IN | 2012030901311586070264 0092108 0001843 0000000 0000079XXXXXXXX |CHRIS R MOBILE| 00044161XXXXXXX |CHRIS DID | 000000000000 |HOLD |",
  "2012-03-09 01:31:27 |IN | 2012030901311586070264 0092108 0002560 0001843 0000079XXXXXXXX |CHRIS R MOBILE| 00044161XXXXXXX |CHRIS DID | 000000000000 |TRANSFERRED |",
  "2012-03-09 01:31:27 |IN | 2012030901311586070264 0092108 0002560 0000000 0000079XXXXXXXX |CHRIS R MOBILE| 00044161XXXXXXX |CHRIS DID | 000000000000 |RINGING |",
  "2012-03-09 01:31:27 |IN | 2012030901311586070264 0092108 0002560 0000000 0000079XXXXXXXX |CHRIS R MOBILE| 00044161XXXXXXX |CHRIS DID | 000000000000 |CONNECTED |",
  "2012-03-09 01:31:29 |IN | 2012030901311586070264 0092108 0002560 0000000 0000079XXXXXXXX |CHRIS R MOBILE| 00044161XXXXXXX |CHRIS DID | 000000000000 |DISCONNECTED|",
];

/** A local-time date on 2012-03-09 (records print the appliance's local time). */
const at = (hh: number, mm: number, ss: number) => new Date(2012, 2, 9, hh, mm, ss);

/** The inbound caller as the seed anonymised it ("079XXXXXXXX"), padded with four zeros to 15. */
const caller = "079XXXXXXXX";

function inbound(
  callStart: Date,
  callSerial: number,
  steps: [SmdrEventType, Date, Partial<SmdrEvent>?][],
): SmdrEvent[] {
  return steps.map(([event, when, extra]) => ({
    event,
    at: when,
    direction: "IN",
    callStart,
    callSerial,
    trunk: "92108",
    extension: "1843",
    callerNumber: caller,
    ddi: "44161XXXXXXX",
    ...extra,
  }));
}

export const seedScenarios: SeedScenario[] = [
  {
    name: "inbound answered and modified",
    seedLines: inboundSeed,
    expectedLines: inboundSeed,
    events: inbound(at(1, 20, 40), 52070264, [
      ["RINGING", at(1, 20, 40)],
      ["ANSWERED", at(1, 20, 43)],
      ["CALLMODIFIED", at(1, 20, 43)],
      ["DISCONNECTED", at(1, 20, 46)],
    ]),
  },
  {
    name: "outbound",
    seedLines: outboundSeed,
    // The seed's outbound lines lack one of the two name boxes (13 fields are needed for 162 characters):
    // the empty DDI name `|          |` collapses to `| |` and is restored here.
    expectedLines: outboundSeed.map((line) =>
      line.replace("000000000000000 000000000000", "000000000000000 | | 000000000000")
    ),
    events: (["RINGING", "ANSWERED", "DISCONNECTED"] as const).map((event, i) => ({
      event,
      at: [at(12, 46, 59), at(12, 47, 6), at(12, 47, 10)][i],
      direction: "OUT" as const,
      // The seed's call ID says 00:46:59 for a call at 12:46:59 (a 12-hour clock in the source system);
      // reproduced here by the call start the event carries. cstabox prints 24-hour times everywhere.
      callStart: at(0, 46, 59),
      callSerial: 82190047,
      trunk: "92808",
      extension: "1843",
      callerNumber: caller,
    })),
  },
  {
    name: "inbound held and retrieved",
    seedLines: heldSeed,
    expectedLines: heldSeed,
    events: inbound(at(1, 20, 53), 3270264, [
      ["RINGING", at(1, 20, 53)],
      ["ANSWERED", at(1, 20, 54)],
      ["CALLMODIFIED", at(1, 20, 54)],
      ["HOLD", at(1, 20, 55)],
      ["CONNECTED", at(1, 20, 58)],
      // The seed anonymised the caller on every line but this one.
      ["DISCONNECTED", at(1, 21, 0), { callerNumber: "07968543537" }],
    ]),
  },
  {
    name: "inbound transferred from 1843 to 2560 on trunk 92108",
    seedLines: transferredSeed,
    expectedLines: transferredSeed,
    events: inbound(at(1, 31, 15), 86070264, [
      ["RINGING", at(1, 31, 15)],
      ["ANSWERED", at(1, 31, 18)],
      ["HOLD", at(1, 31, 20)],
      ["TRANSFERRED", at(1, 31, 27), { extension: "2560", sourceExtension: "1843" }],
      ["RINGING", at(1, 31, 27), { extension: "2560" }],
      ["CONNECTED", at(1, 31, 27), { extension: "2560" }],
      ["DISCONNECTED", at(1, 31, 29), { extension: "2560" }],
    ]),
  },
];

/** The seed's contact and DDI directories: the inbound caller's name and the DDI's name. */
export const seedContacts = [{ number: caller, name: "CHRIS R MOBILE" }, {
  number: "07968543537",
  name: "CHRIS R MOBILE",
}];
export const seedDdiNames = [{ number: "44161XXXXXXX", name: "CHRIS DID" }];

/** What the extraction did to the seed: every run of spaces became one space. */
export function collapseSpaces(line: string): string {
  return line.replace(/ {2,}/g, " ");
}
