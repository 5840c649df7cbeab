// Writes docs/settings.md from the settings schema: `deno run -A scripts/settings_doc.ts`.

import { renderSettingsReference } from "../src/settings/settings_reference.ts";

const target = new URL("../docs/settings.md", import.meta.url);
await Deno.writeTextFile(target, renderSettingsReference());
console.log(`wrote ${target.pathname}`);
