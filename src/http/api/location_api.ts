// JSON API of the location, mounted at /api/location: the location and its access codes, the extension
// ranges, and the conversion of a number into every form.

import { Hono } from "hono";
import { z } from "zod";
import { ExtensionRangeError } from "../../lines/extension_ranges.ts";
import { locationSchema } from "../../lines/location.ts";
import type { LocationRepository } from "../../lines/location_repository.ts";
import { NUMBER_FORMS, type NumberForm, PhoneNumberError } from "../../lines/number_forms.ts";
import type { NumberingPlan } from "../../lines/numbering_plan.ts";
import { apiError } from "../api_errors.ts";
import type { HttpEnv } from "../context.ts";
import type { AuditLog } from "../../audit/audit_log.ts";
import { auditActor } from "../auth/audit_actor.ts";
import { readJsonBody } from "./json_body.ts";
import type { RouteDoc } from "./route_doc.ts";

export interface LocationApiDependencies {
  locations: LocationRepository;
  numbering: NumberingPlan;
  audit?: AuditLog;
}

const rangesSchema = z.strictObject({ text: z.string().max(10_000) });
const convertSchema = z.strictObject({
  number: z.string().max(100),
  withOutsideLineAccess: z.boolean().optional(),
});

const rangesAnswer = z.strictObject({
  text: z.string().describe("the ranges as text, e.g. `100-199, 200-249`"),
  ranges: z.array(z.strictObject({ first: z.string(), last: z.string() })),
});
const convertAnswer = z.strictObject({
  input: z.string(),
  kind: z.enum(["internal", "external", "unplaced"]),
  number: z.union([
    z.strictObject({ kind: z.literal("internal"), extension: z.string() }),
    z.strictObject({ kind: z.literal("external"), international: z.string() }),
    z.strictObject({ kind: z.literal("unplaced"), digits: z.string() }),
  ]),
  forms: z.record(z.enum(NUMBER_FORMS as [NumberForm, ...NumberForm[]]), z.string().nullable()),
});

/** The routes of /api/location for the OpenAPI document. */
export const LOCATION_ROUTES: readonly RouteDoc[] = [
  { method: "get", path: "/", summary: "The location and its access codes", response: locationSchema },
  {
    method: "put",
    path: "/",
    summary: "Save the location",
    body: locationSchema,
    response: locationSchema,
  },
  { method: "get", path: "/extension-ranges", summary: "The extension ranges", response: rangesAnswer },
  {
    method: "put",
    path: "/extension-ranges",
    summary: "Replace the extension ranges",
    body: rangesSchema,
    response: rangesAnswer,
  },
  {
    method: "post",
    path: "/convert",
    summary: "A number in every form the location gives",
    body: convertSchema,
    response: convertAnswer,
  },
];

/** Builds the /api/location sub-app. */
export function createLocationApi(deps: LocationApiDependencies): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();

  app.get("/", (c) => c.json(deps.locations.location()));

  app.put("/", async (c) => {
    const body = await readJsonBody(c, locationSchema);
    if (!body.ok) return body.response;
    const old = deps.locations.location();
    const saved = deps.locations.saveLocation(body.data);
    deps.audit?.record(auditActor(c), { action: "location changed", object: "location", old, new: saved });
    return c.json(saved);
  });

  app.get(
    "/extension-ranges",
    (c) => c.json({ text: deps.locations.extensionRangesText(), ranges: deps.locations.extensionRanges() }),
  );

  app.put("/extension-ranges", async (c) => {
    const body = await readJsonBody(c, rangesSchema);
    if (!body.ok) return body.response;
    const old = deps.locations.extensionRangesText();
    try {
      deps.locations.saveExtensionRanges(body.data.text);
    } catch (error) {
      if (!(error instanceof ExtensionRangeError)) throw error;
      return apiError(c, 400, "invalid_value", error.message, { field: "text" });
    }
    deps.audit?.record(auditActor(c), {
      action: "extension ranges changed",
      object: "extension ranges",
      old,
      new: deps.locations.extensionRangesText(),
    });
    return c.json({ text: deps.locations.extensionRangesText(), ranges: deps.locations.extensionRanges() });
  });

  app.post("/convert", async (c) => {
    const body = await readJsonBody(c, convertSchema);
    if (!body.ok) return body.response;
    try {
      const { number, forms } = deps.numbering.convert(body.data.number, {
        withOutsideLineAccess: body.data.withOutsideLineAccess,
      });
      return c.json({ input: body.data.number, kind: number.kind, number, forms });
    } catch (error) {
      if (!(error instanceof PhoneNumberError)) throw error;
      return apiError(c, 400, "invalid_value", error.message, { field: "number" });
    }
  });

  return app;
}
