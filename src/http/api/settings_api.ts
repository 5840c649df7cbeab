// JSON API of the settings, mounted at /api/settings: the settings in force, the file's own values and
// which ones a command-line flag overrides; a change to one section is validated against the one schema
// and saved atomically (LiveSettings.save), which applies it. Overrides are never written into the file.
// While the file is refused (invalid, missing, unreadable) every answer is given from the running
// settings with `refused` saying why, so the pages, backup and restore keep working.

import { Hono } from "hono";
import { z } from "zod";
import { type SectionName, type Settings, settingsSchema } from "../../settings/schema.ts";
import {
  type SettingsError,
  type SettingsProblem,
  SettingsWriteError,
} from "../../settings/settings_file.ts";
import type { AuditLog } from "../../audit/audit_log.ts";
import { maskSecrets } from "../../backup/support_bundle.ts";
import { apiError } from "../api_errors.ts";
import { auditActor } from "../auth/audit_actor.ts";
import type { HttpEnv } from "../context.ts";
import type { RouteDoc } from "./route_doc.ts";
import type { SettingsAccess } from "../../settings/settings_access.ts";
import { fieldPath, readJsonBody } from "./json_body.ts";

const sectionNames = Object.keys(settingsSchema.shape) as SectionName[];

/** Why the file is refused, as the API answers it; `problems` narrowed to one section when given. */
export interface RefusedFile {
  message: string;
  problems: SettingsProblem[];
}

function refusedFile(error: SettingsError | undefined, section?: SectionName): RefusedFile | null {
  if (!error) return null;
  const sectionOf = (p: SettingsProblem) => p.field.split(".")[0] as SectionName;
  const problems = section === undefined
    ? error.problems
    : error.problems.filter((p) => sectionOf(p) === section || !sectionNames.includes(sectionOf(p)));
  return problems.length ? { message: error.message, problems } : null;
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

/** The body of `PUT /api/settings/{section}`: the section's keys to change (the rest keep their value). */
const sectionChange = z.record(z.string(), z.unknown()).describe(
  "keys of the section and their new values, checked against the settings schema (docs/settings.md)",
);
const refusedSchema = z.strictObject({
  message: z.string(),
  problems: z.array(z.strictObject({
    field: z.string().describe("dotted path, e.g. pbx.port; empty for a YAML syntax error"),
    message: z.string(),
    line: z.number().int().optional(),
    column: z.number().int().optional(),
  })),
}).nullable().describe(
  "why the settings file is refused, if it is; the answers then come from the running settings",
);
const sectionValues = z.record(z.string(), z.unknown()).describe("the section's keys (docs/settings.md)");

/** The routes of /api/settings for the OpenAPI document. */
export const SETTINGS_ROUTES: readonly RouteDoc[] = [
  {
    method: "get",
    path: "/",
    summary: "The settings in force, the file's own values, what a command-line flag overrides",
    response: z.strictObject({
      settings: settingsSchema,
      file: settingsSchema,
      overridden: z.array(z.string()).describe("section.key paths a command-line flag overrides"),
      refused: refusedSchema,
    }),
  },
  {
    method: "get",
    path: "/:section",
    summary: "One section",
    response: z.strictObject({
      section: z.enum(sectionNames as [SectionName, ...SectionName[]]),
      settings: sectionValues,
      file: sectionValues,
      overridden: z.array(z.string()),
      refused: refusedSchema,
    }),
  },
  {
    method: "put",
    path: "/:section",
    summary: "Change keys of one section; saved atomically and applied",
    body: sectionChange,
    response: z.strictObject({
      section: z.enum(sectionNames as [SectionName, ...SectionName[]]),
      settings: sectionValues,
      file: sectionValues,
    }),
  },
];

/** Builds the /api/settings sub-app. */
export function createSettingsApi(settings: SettingsAccess, audit?: AuditLog): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();

  app.get("/", async (c) => {
    const { file, refused } = await settings.fileView();
    return c.json({
      settings: settings.current(),
      file,
      overridden: overriddenPaths(settings.current(), file),
      refused: refusedFile(refused),
    });
  });

  app.get("/:section", async (c) => {
    const section = c.req.param("section") as SectionName;
    if (!sectionNames.includes(section)) return unknownSection(c, section);
    const { file, refused } = await settings.fileView();
    return c.json({
      section,
      settings: settings.current()[section],
      file: file[section],
      overridden: overriddenPaths(settings.current(), file).filter((p) => p.startsWith(`${section}.`))
        .map((p) => p.slice(section.length + 1)),
      refused: refusedFile(refused, section),
    });
  });

  app.put("/:section", async (c) => {
    const section = c.req.param("section") as SectionName;
    if (!sectionNames.includes(section)) return unknownSection(c, section);
    const body = await readJsonBody(c, sectionChange);
    if (!body.ok) return body.response;
    const { file, refused } = await settings.fileView();
    // A missing file is written again from the running settings; a refused edit would be lost by a save.
    if (refused && !refused.missing) {
      return apiError(
        c,
        409,
        "settings_file_invalid",
        `the settings file has a refused edit; correct or undo it in the file first: ${refused.message}`,
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
    try {
      await settings.save(checked.data);
    } catch (error) {
      if (!(error instanceof SettingsWriteError)) throw error;
      return apiError(c, 503, "settings_not_saved", `${error.message}; nothing changed`);
    }
    const before = file[section] as Record<string, unknown>,
      after = checked.data[section] as Record<string, unknown>;
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      if (JSON.stringify(before[key]) === JSON.stringify(after[key])) continue;
      audit?.record(auditActor(c), {
        action: "setting changed",
        object: `${section}.${key}`,
        old: maskSecrets(before[key], key),
        new: maskSecrets(after[key], key),
      });
    }
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
