/**
 * cstabox: a CSTA multiplexer, SMDR server and line API for Panasonic PBXs.
 *
 * Imported, this module is the library face (the App and its parts for embedding and tests); executed,
 * it runs the appliance:
 *
 * ```sh
 * deno run --allow-all --unstable-raw-imports mod.ts --data-dir ./data
 * ```
 *
 * @module
 */

export { App, type AppOptions, version } from "./src/app.ts";
export { defaultSettings, type Settings, settingsSchema } from "./src/settings/schema.ts";
export { SettingsError } from "./src/settings/settings_file.ts";
export type { ListenerInfo, Service, ServiceState, ServiceStatus } from "./src/service.ts";

if (import.meta.main) {
  const { main } = await import("./src/cli.ts");
  Deno.exit(await main(Deno.args));
}
