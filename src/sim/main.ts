// `deno task sim`: runs the simulated Panasonic PBX standalone and prints where it listens.

import { Logger } from "../log/logger.ts";
import { DevicePlanError } from "./device_plan.ts";
import { parseSimCli, simUsage, SimUsageError } from "./sim_cli.ts";
import { runConsoleCommand } from "./sim_console.ts";
import { SimulatorService } from "./sim_service.ts";
import { errorText } from "../log/error_text.ts";

async function main(args: string[]): Promise<number> {
  let cli;
  try {
    cli = parseSimCli(args);
  } catch (error) {
    if (error instanceof SimUsageError) {
      console.error(`cstabox-sim: ${error.message}\n\n${simUsage}`);
      return 2;
    }
    throw error;
  }
  if (cli.help) {
    console.log(simUsage);
    return 0;
  }
  const logger = new Logger("simulator");
  let sim: SimulatorService;
  try {
    sim = new SimulatorService({ ...cli.options, logger });
  } catch (error) {
    if (error instanceof DevicePlanError) {
      console.error(`cstabox-sim: ${error.message}`);
      return 2;
    }
    throw error;
  }
  try {
    await sim.start();
  } catch (error) {
    console.error(`cstabox-sim: cannot listen: ${errorText(error)}`);
    return 1;
  }
  console.log(`cstabox-sim listening ${sim.hostname}:${sim.port}`);
  readConsole(sim);
  const stopped = Promise.withResolvers<void>();
  const stop = () => stopped.resolve();
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  await stopped.promise;
  await sim.stop();
  return 0;
}

/** Reads commands from standard input (when there is one) for fault injection; see `help`. */
async function readConsole(sim: SimulatorService): Promise<void> {
  try {
    const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream());
    let buffered = "";
    for await (const chunk of lines) {
      buffered += chunk;
      let newline;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        let reply: string;
        try {
          reply = runConsoleCommand(sim, line);
        } catch (error) {
          reply = `error: ${errorText(error)}`;
        }
        if (reply) console.log(reply);
      }
    }
  } catch {
    // No usable standard input (daemonised): the console is simply off.
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
