import assert from "node:assert/strict";
import { renderSettingsReference } from "../../../src/settings/settings_reference.ts";

Deno.test("docs/settings.md is the reference generated from the current schema", async () => {
  const onDisk = await Deno.readTextFile(new URL("../../../docs/settings.md", import.meta.url));
  assert.equal(onDisk, renderSettingsReference(), "run: deno run -A scripts/settings_doc.ts");
});
