// JSON API of the settings, mounted at /api/settings: the settings in force, the file's own values and
// which ones a command-line flag overrides; a change to one section is validated against the one schema
// and saved atomically (LiveSettings.save), which applies it. Overrides are never written into the file.

import { Hono } from "hono";
import { z } from "zod";
import { type SectionName, type Settings, settingsSchema } from "../../settings/schema.ts";
import { parseSettings, SettingsError } from "../../settings/settings_file.ts";
import { apiError } from "../api_errors.ts";
import type { HttpEnv } from "../context.ts";
import type { SettingsAccess } from "../web_ui_sources.ts";
import { fieldPath, readJsonBody } from "./json_body.ts";

const sectionNames = Object.keys(settingsSchema.shape) as SectionName[];

/** The file's settings (what the UI edits), read fresh so an edit made by hand is not overwritten. */
export async function fileSettings(settings: SettingsAccess): Promise<Settings> {
  return parseSettings(await Deno.readTextFile(settings.file), settings.file);
}

/** `section.key` paths whose value in force differs from the file's (a command-line flag). */
export function overriddenPaths(effective: Settings, file: Settings): string[] {
  const out: string[] = [];
  for (const section of sectionNames) {
    const a = effective[section] as Record<string, unknown>;
    const b = file[section] as Record<string, unknown>;
    for (const key of Object.keys(a)) {
      if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) out.push(`${section}.${key}`);
    }
  }
  return out;
}

/** Builds the /api/settings sub-app. */
export function createSettingsApi(settings: SettingsAccess): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();

  app.get("/", async (c) => {
    const file = await fileSettings(settings);
    return c.json({
      settings: settings.current(),
      file,
      overridden: overriddenPaths(settings.current(), file),
    });
  });

  app.get("/:section", async (c) => {
    const section = c.req.param("section") as SectionName;
    if (!sectionNames.includes(section)) return unknownSection(c, section);
    const file = await fileSettings(settings);
    return c.json({
      section,
      settings: settings.current()[section],
      file: file[section],
      overridden: overriddenPaths(settings.current(), file).filter((p) => p.startsWith(`${section}.`))
        .map((p) => p.slice(section.length + 1)),
    });
  });

  app.put("/:section", async (c) => {
    const section = c.req.param("section") as SectionName;
    if (!sectionNames.includes(section)) return unknownSection(c, section);
    const body = await readJsonBody(c, z.record(z.string(), z.unknown()));
    if (!body.ok) return body.response;
    let file: Settings;
    try {
      file = await fileSettings(settings);
    } catch (error) {
      if (!(error instanceof SettingsError)) throw error;
      return apiError(
        c,
        409,
        "settings_file_invalid",
        `the settings file has errors; fix it first: ${error.message}`,
      );
    }
    const next = { ...file, [section]: { ...file[section], ...body.data } };
    const checked = settingsSchema.safeParse(next);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      const inSection = issue.path[0] === section ? issue.path.slice(1) : issue.path;
      const keys = issue.code === "unrecognized_keys" ? issue.keys : [];
      const field = fieldPath([...inSection, ...keys.slice(0, 1)]);
      return apiError(c, 400, "invalid_value", field ? `${field}: ${issue.message}` : issue.message, {
        ...(field ? { field } : {}),
      });
    }
    await settings.save(checked.data);
    return c.json({ section, settings: settings.current()[section], file: checked.data[section] });
  });

  return app;
}

function unknownSection(c: Parameters<typeof apiError>[0], section: string): Response {
  return apiError(
    c,
    404,
    "not_found",
    `no settings section "${section}"; the sections are ${sectionNames.join(", ")}`,
  );
}
