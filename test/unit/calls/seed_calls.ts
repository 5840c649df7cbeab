// Test support: the seed's four example calls as the CSTA events a Panasonic PBX (and the simulator)
// reports for them, each report once per monitored device that sees it (trunk and extensions monitored).

import type { CstaEvent } from "../../../src/csta/event_report.ts";
import { dev, events as e } from "./csta_events.ts";

/** One event, the monitored devices it is reported at, and the second of the call it happens in. */
export interface ReportedEvent {
  event: CstaEvent;
  observers: string[];
  /** Seconds after the call's first event. */
  second: number;
}

export interface SeedCall {
  name: string;
  /** Index into the seed scenarios of test/unit/smdr/seed_scenarios.ts. */
  scenario: number;
  reports: ReportedEvent[];
}

/** The caller of the seed's inbound calls (the seed prints it anonymised as 079XXXXXXXX). */
export const CLI = "07968543537";
/** A DDI that fits the seed's anonymised `44161XXXXXXX`. */
export const DDI = "441615550123";
const inbound = { outside: dev(CLI), ddi: DDI, trunk: "92108", direction: "in" as const };
const dialled = dev("9" + CLI);
const outbound = { outside: dialled, trunk: "92808", direction: "out" as const };

const r = (second: number, event: CstaEvent, ...observers: string[]): ReportedEvent => ({
  event,
  observers,
  second,
});

export const seedCalls: SeedCall[] = [
  {
    name: "inbound answered and modified",
    scenario: 0,
    reports: [
      r(0, e.delivered(1, "1843", dev(CLI), dev("1843"), { trunk: inbound }), "92108", "1843"),
      r(3, e.established(1, "1843", dev(CLI), dev("1843"), { trunk: inbound }), "92108", "1843"),
      // The PBX names the caller once the call is answered: the contact name changes (CALLMODIFIED).
      r(3, e.callInformation(1, "1843", { calling: dev(CLI, "CHRIS R MOBILE") }), "92108", "1843"),
      r(6, e.connectionCleared(1, "92108", dev(CLI)), "92108", "1843"),
      r(6, e.callCleared(1, "1843"), "1843"),
    ],
  },
  {
    name: "outbound",
    scenario: 1,
    reports: [
      r(0, e.serviceInitiated(2, "1843"), "1843"),
      r(0, e.originated(2, "1843", dialled), "1843"),
      r(0, e.networkReached(2, "92808", "1843", dialled), "1843", "92808"),
      r(
        0,
        e.delivered(2, "92808", dev("1843"), dialled, { alerting: dialled, trunk: outbound }),
        "1843",
        "92808",
      ),
      r(
        7,
        e.established(2, "92808", dev("1843"), dialled, { answering: dialled, trunk: outbound }),
        "1843",
        "92808",
      ),
      r(11, e.connectionCleared(2, "1843"), "1843", "92808"),
      r(11, e.callCleared(2, "92808"), "92808"),
    ],
  },
  {
    name: "inbound held and retrieved",
    scenario: 2,
    reports: [
      r(0, e.delivered(3, "1843", dev(CLI), dev("1843"), { trunk: inbound }), "92108", "1843"),
      r(1, e.established(3, "1843", dev(CLI), dev("1843"), { trunk: inbound }), "92108", "1843"),
      r(1, e.callInformation(3, "1843", { calling: dev(CLI, "CHRIS R MOBILE") }), "92108", "1843"),
      r(2, e.held(3, "1843"), "92108", "1843"),
      r(5, e.retrieved(3, "1843"), "92108", "1843"),
      r(7, e.connectionCleared(3, "92108", dev(CLI)), "92108", "1843"),
      r(7, e.callCleared(3, "1843"), "1843"),
    ],
  },
  {
    name: "inbound transferred from 1843 to 2560 on trunk 92108",
    scenario: 3,
    reports: [
      r(0, e.delivered(4, "1843", dev(CLI), dev("1843"), { trunk: inbound }), "92108", "1843"),
      r(3, e.established(4, "1843", dev(CLI), dev("1843"), { trunk: inbound }), "92108", "1843"),
      // Consultation: the trunk call is held, 1843 calls 2560 (an internal call, no records)…
      r(5, e.held(4, "1843"), "92108", "1843"),
      r(5, e.serviceInitiated(5, "1843"), "1843"),
      r(5, e.originated(5, "1843", dev("2560")), "1843"),
      r(9, e.delivered(5, "2560", dev("1843"), dev("2560")), "1843", "2560"),
      // …and transfers while 2560 rings: the trunk call now rings at 2560, which answers.
      r(
        12,
        e.transferred({
          primary: 4,
          secondary: 5,
          transferring: "1843",
          to: "2560",
          parties: [["92108", 4], ["2560", 5]],
          resulting: 4,
        }),
        "92108",
        "1843",
        "2560",
      ),
      r(12, e.established(4, "2560", dev(CLI), dev("2560")), "92108", "2560"),
      r(14, e.connectionCleared(4, "92108", dev(CLI)), "92108", "2560"),
      r(14, e.callCleared(4, "2560"), "2560"),
    ],
  },
];
