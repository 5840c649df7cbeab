// Commands typed on `deno task sim`'s standard input: fault injection and traffic control while it runs.

import { BUILTIN_SCENARIOS } from "./scenario.ts";
import type { SimulatorService } from "./sim_service.ts";

export const consoleHelp = `commands:
  drop            end the association (ABRT, or the --release style)
  hang            stop answering: no answers, events or keep-alives
  resume          answer again, at normal speed
  slow MS         answer every request MS milliseconds late
  malformed       send one frame that is not valid BER
  traffic N|off   random calls per minute
  talk S          mean talk time of random calls in seconds (calls answered from now on)
  scenario NAME   run a built-in scenario (${Object.keys(BUILTIN_SCENARIOS).join(", ")})
  status          calls, monitors, association, faults
  events          EventReports sent per monitored device over this association
  help            this list`;

/** Carries out one console line; returns what to print. */
export function runConsoleCommand(sim: SimulatorService, line: string): string {
  const [command = "", argument] = line.trim().split(/\s+/);
  switch (command) {
    case "":
      return "";
    case "drop":
      sim.dropLink("dropped from the console");
      return "association dropped";
    case "hang":
      sim.stopAnswering(true);
      return "not answering";
    case "resume":
      sim.stopAnswering(false);
      sim.answerSlowly(0);
      return "answering normally";
    case "slow": {
      const ms = Number(argument);
      if (!Number.isInteger(ms) || ms < 0) return "usage: slow MS (a whole number of milliseconds)";
      sim.answerSlowly(ms);
      return `answering ${ms} ms late`;
    }
    case "malformed":
      sim.sendMalformedFrame();
      return "malformed frame sent";
    case "traffic": {
      if (argument === "off") {
        sim.stopTraffic();
        return "traffic off";
      }
      const rate = Number(argument);
      if (!(rate > 0)) return "usage: traffic N|off (calls per minute)";
      sim.startTraffic({ callsPerMinute: rate });
      return `traffic at ${rate} calls per minute`;
    }
    case "talk": {
      const seconds = Number(argument);
      if (!(seconds > 0) || !Number.isFinite(seconds)) return "usage: talk S (mean seconds, e.g. 1.5)";
      sim.setTalkTime(seconds * 1000);
      return `talk time ${seconds} s on average`;
    }
    case "scenario": {
      const scenario = argument ? BUILTIN_SCENARIOS[argument] : undefined;
      if (!scenario) return `unknown scenario; one of ${Object.keys(BUILTIN_SCENARIOS).join(", ")}`;
      sim.runScenario(scenario);
      return `scenario ${scenario.name} started`;
    }
    case "status":
      return JSON.stringify(sim.status().details);
    case "events":
      // Prefixed so a program reading the console can find the line among log output.
      return `events ${JSON.stringify(sim.eventReportsByDevice())}`;
    case "help":
      return consoleHelp;
    default:
      return `unknown command "${command}"; type help`;
  }
}
