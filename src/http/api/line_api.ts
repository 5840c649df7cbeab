// The line API's HTTP routes: one table of TAPI operations (operationId, method, path, request and answer
// schemas, the right it needs), mounted on Hono and described in the OpenAPI document from the same
// schemas. Every route refuses bad input with 400 and the field; errors come from the line API's table.

import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import { callEventSchema } from "../../calls/call_event.ts";
import type { LineApiService } from "../../line_api/line_api_service.ts";
import { LineApiError, type LineErrorCode } from "../../line_api/line_errors.ts";
import {
  forwardingEntrySchema,
  forwardingModeSchema,
  forwardingScopeSchema,
} from "../../line_api/line_messages.ts";
import type { LineOperations } from "../../line_api/line_operations.ts";
import type { LineRights } from "../../line_api/line_scope.ts";
import type { LineClient } from "../../line_api/open_line.ts";
import type { LinePartners } from "../../line_api/line_partners.ts";
import { LINE_NUMBER_PATTERN } from "../../lines/line.ts";
import { apiError } from "../api_errors.ts";
import type { HttpEnv } from "../context.ts";
import { fieldPath, JSON_BODY_MAX, readBoundedText } from "./json_body.ts";
import type { RouteDoc } from "./route_doc.ts";
import { errorText } from "../../log/error_text.ts";

/** Who asks and what they may do, from the authenticated request (line_api_rights.ts). */
export interface LineCaller {
  client: LineClient;
  rights: LineRights;
}

export interface LineApiDependencies {
  service: LineApiService;
  operations: LineOperations;
  caller: (c: Context<HttpEnv>) => LineCaller;
  /** Super-Twin partners: `PUT /lines/{line}/partner` (line configuration, not a TAPI operation). */
  partners?: LinePartners;
}

const number = z.string().trim().min(1).max(64);
const callIdField = z.string().regex(/^[0-9a-z]{1,8}-[0-9a-z]{1,12}$/, "a callId from the line API");

export const lineParam = z.string().regex(LINE_NUMBER_PATTERN, "a line number: digits, * and #");
export const callIdParam = callIdField;

/** Request bodies, by operation. */
export const lineApiBodies = {
  makeCall: z.strictObject({
    to: number.describe("the number to call: as dialled, or canonical (+49(30)12345-100)"),
    address: z.union([z.literal(0), z.literal(1)]).optional().describe("1 = the Mobile (Super-Twin) address"),
  }),
  to: z.strictObject({ to: number }),
  swapHold: z.strictObject({ otherCallId: callIdField }),
  completeTransfer: z.strictObject({
    consultationCallId: callIdField,
    mode: z.enum(["transfer", "conference"]),
  }),
  addToConference: z.strictObject({ consultationCallId: callIdField }),
  removeFromConference: z.strictObject({ party: number }),
  pickup: z.strictObject({ from: number.optional() }),
  generateDigits: z.strictObject({
    digits: z.string().regex(/^[0-9*#A-Da-d]{1,64}$/, "1 to 64 DTMF characters: 0-9, *, #, A-D"),
  }),
  dial: z.strictObject({ digits: number }),
  completeCall: z.strictObject({ mode: z.enum(["callback", "campon", "intrude"]) }),
  forward: z.strictObject({
    mode: forwardingModeSchema,
    scope: forwardingScopeSchema.default("all"),
    to: number,
  }),
  cancelForward: z.strictObject({ mode: forwardingModeSchema, scope: forwardingScopeSchema.default("all") }),
  doNotDisturb: z.strictObject({ on: z.boolean() }),
  empty: z.strictObject({}),
};

const dialledSchema = z.strictObject({ to: z.string(), dialled: z.string() });
const openLineSchema = z.strictObject({
  line: z.string(),
  partner: z.string().nullable(),
  leaseSeconds: z.number().int(),
  monitor: z.enum(["monitored", "retrying", "linkDown"]),
  calls: z.array(callEventSchema),
});
const statusSchema = z.strictObject({
  line: z.string(),
  partner: z.string().nullable(),
  monitor: z.enum(["monitored", "retrying", "linkDown"]),
  calls: z.array(callEventSchema),
  forwarding: z.array(forwardingEntrySchema),
  doNotDisturb: z.boolean().nullable(),
});

/** One operation of the line API. */
export interface LineRoute {
  operationId: string;
  method: "get" | "post" | "put" | "delete";
  /** OpenAPI form: `/lines/{line}/open`. */
  path: string;
  summary: string;
  /** The CSTA service(s) behind it, for the document. */
  csta: string;
  /** `read`: status and opening a line to hear its events; `control` for everything else. */
  access: "read" | "control";
  body?: z.ZodType;
  status: 200 | 201 | 204;
  response?: z.ZodType;
  handle(request: { caller: LineCaller; line?: string; callId?: string; body: never }): Promise<unknown>;
}

/** The operations table (seed 3.4), as issue 20 lists it. */
export function lineRoutes(deps: LineApiDependencies): LineRoute[] {
  const { service, operations: ops } = deps;
  type B<K extends keyof typeof lineApiBodies> = z.output<(typeof lineApiBodies)[K]>;
  const callRoute = (
    operationId: string,
    path: string,
    summary: string,
    csta: string,
    body: keyof typeof lineApiBodies | undefined,
    response: z.ZodType | undefined,
    run: (client: LineClient, callId: string, body: never) => Promise<unknown>,
  ): LineRoute => ({
    operationId,
    method: "post",
    path: `/calls/{callId}/${path}`,
    summary,
    csta,
    access: "control",
    body: body ? lineApiBodies[body] : undefined,
    status: response ? 200 : 204,
    response,
    handle: ({ caller, callId, body }) => run(caller.client, callId!, body),
  });
  return [
    {
      operationId: "lineOpen",
      method: "post",
      path: "/lines/{line}/open",
      summary: "Open a line (takes a licence seat; again to renew the lease)",
      csta: "MonitorStart",
      access: "read",
      status: 200,
      response: openLineSchema,
      handle: async ({ caller, line }) => {
        const open = await service.open(caller.client, line!);
        return {
          line: open.number,
          partner: open.calls.devices.partner ?? null,
          leaseSeconds: service.leaseSeconds,
          monitor: open.monitor,
          calls: service.snapshot(open.number).calls,
        };
      },
    },
    {
      operationId: "lineClose",
      method: "post",
      path: "/lines/{line}/close",
      summary: "Close a line (its seat is freed when nobody else holds the device)",
      csta: "MonitorStop",
      access: "read",
      status: 204,
      handle: ({ caller, line }) => Promise.resolve(service.close(caller.client, line!)),
    },
    {
      operationId: "lineGetAddressStatus",
      method: "get",
      path: "/lines/{line}/status",
      summary: "The line's calls, forwarding and do not disturb",
      csta: "SnapshotDevice, GetForwarding, GetDoNotDisturb",
      access: "read",
      status: 200,
      response: statusSchema,
      handle: ({ caller, line }) => ops.addressStatus(caller.client, line!),
    },
    {
      operationId: "lineMakeCall",
      method: "post",
      path: "/lines/{line}/calls",
      summary: "Make a call; the answer names the call and the number dialled",
      csta: "MakeCall",
      access: "control",
      body: lineApiBodies.makeCall,
      status: 201,
      response: z.strictObject({
        callId: z.string(),
        state: callEventSchema.shape.state,
        to: z.string(),
        dialled: z.string(),
      }),
      handle: ({ caller, line, body }) => {
        const b = body as B<"makeCall">;
        return ops.makeCall(caller.client, line!, b.to, b.address ?? 0);
      },
    },
    callRoute(
      "lineAnswer",
      "answer",
      "Answer a call ringing at the line",
      "AnswerCall",
      undefined,
      undefined,
      (c, id) => ops.answer(c, id),
    ),
    callRoute(
      "lineDrop",
      "drop",
      "Hang up the line's part of the call",
      "ClearConnection",
      undefined,
      undefined,
      (c, id) => ops.drop(c, id),
    ),
    callRoute(
      "lineHold",
      "hold",
      "Put the call on hold",
      "HoldCall",
      undefined,
      undefined,
      (c, id) => ops.hold(c, id),
    ),
    callRoute(
      "lineUnhold",
      "unhold",
      "Take the call back from hold",
      "RetrieveCall",
      undefined,
      undefined,
      (c, id) => ops.unhold(c, id),
    ),
    callRoute(
      "lineRedirect",
      "redirect",
      "Send a ringing call elsewhere",
      "DeflectCall",
      "to",
      dialledSchema,
      (c, id, b: B<"to">) => ops.redirect(c, id, b.to),
    ),
    callRoute(
      "lineBlindTransfer",
      "blind-transfer",
      "Transfer the call without consultation",
      "SingleStepTransferCall",
      "to",
      dialledSchema,
      (c, id, b: B<"to">) => ops.blindTransfer(c, id, b.to),
    ),
    callRoute(
      "lineSetupTransfer",
      "setup-transfer",
      "Hold the call and call the transfer target (consultation)",
      "ConsultationCall",
      "to",
      z.strictObject({ consultationCallId: z.string(), to: z.string(), dialled: z.string() }),
      (c, id, b: B<"to">) => ops.setupTransfer(c, id, b.to),
    ),
    callRoute(
      "lineSwapHold",
      "swap-hold",
      "Swap the active and the held call",
      "AlternateCall",
      "swapHold",
      undefined,
      (c, id, b: B<"swapHold">) => ops.swapHold(c, id, b.otherCallId),
    ),
    callRoute(
      "lineCompleteTransfer",
      "complete-transfer",
      "Transfer the held call to the consultation, or join them in a conference",
      "TransferCall / ConferenceCall",
      "completeTransfer",
      z.strictObject({ callId: z.string().nullable() }),
      (c, id, b: B<"completeTransfer">) => ops.completeTransfer(c, id, b.consultationCallId, b.mode),
    ),
    callRoute(
      "lineAddToConference",
      "add-to-conference",
      "Add a consultation call to the conference",
      "ConferenceCall",
      "addToConference",
      undefined,
      (c, id, b: B<"addToConference">) => ops.addToConference(c, id, b.consultationCallId),
    ),
    callRoute(
      "lineRemoveFromConference",
      "remove-from-conference",
      "Drop one party from the conference",
      "ClearConnection",
      "removeFromConference",
      undefined,
      (c, id, b: B<"removeFromConference">) => ops.removeFromConference(c, id, b.party),
    ),
    {
      operationId: "linePickup",
      method: "post",
      path: "/lines/{line}/pickup",
      summary: "Pick up a call: from the line's pickup group, or ringing at `from`",
      csta: "GroupPickupCall / DirectedPickupCall",
      access: "control",
      body: lineApiBodies.pickup,
      status: 200,
      response: z.strictObject({ callId: z.string().nullable() }),
      handle: ({ caller, line, body }) => ops.pickup(caller.client, line!, (body as B<"pickup">).from),
    },
    callRoute(
      "lineGenerateDigits",
      "digits",
      "Send DTMF digits on the call",
      "GenerateDigits",
      "generateDigits",
      undefined,
      (c, id, b: B<"generateDigits">) => ops.generateDigits(c, id, b.digits),
    ),
    callRoute(
      "lineDial",
      "dial",
      "Dial digits on a call in dial tone",
      "DialDigits",
      "dial",
      dialledSchema,
      (c, id, b: B<"dial">) => ops.dial(c, id, b.digits),
    ),
    callRoute(
      "lineCompleteCall",
      "complete",
      "Call completion on a busy or unanswered call: callback, camp-on or intrusion",
      "CallBack / CampOnCall / IntrudeCall",
      "completeCall",
      undefined,
      (c, id, b: B<"completeCall">) => ops.completeCall(c, id, b.mode),
    ),
    {
      operationId: "lineForward",
      method: "put",
      path: "/lines/{line}/forwarding",
      summary: "Set one of the nine forwarding kinds",
      csta: "SetForwarding",
      access: "control",
      body: lineApiBodies.forward,
      status: 200,
      response: dialledSchema,
      handle: ({ caller, line, body }) => {
        const b = body as B<"forward">;
        return ops.setForwarding(caller.client, line!, b.mode, b.scope, b.to);
      },
    },
    {
      operationId: "lineCancelForward",
      method: "delete",
      path: "/lines/{line}/forwarding",
      summary: "Cancel one forwarding kind (body), or every kind that is on (no body)",
      csta: "SetForwarding",
      access: "control",
      body: lineApiBodies.cancelForward.optional(),
      status: 204,
      handle: ({ caller, line, body }) =>
        ops.cancelForwarding(caller.client, line!, body as B<"cancelForward"> | undefined),
    },
    {
      operationId: "lineSetDoNotDisturb",
      method: "put",
      path: "/lines/{line}/do-not-disturb",
      summary: "Switch do not disturb on or off",
      csta: "SetDoNotDisturb",
      access: "control",
      body: lineApiBodies.doNotDisturb,
      status: 204,
      handle: ({ caller, line, body }) =>
        ops.setDoNotDisturb(caller.client, line!, (body as B<"doNotDisturb">).on),
    },
  ];
}

const partnerSchema = z.strictObject({ partner: lineParam.nullable() });

/** The line API's configuration routes (not TAPI operations) for the OpenAPI document. */
export const LINE_CONFIG_ROUTES: readonly RouteDoc[] = [
  {
    method: "put",
    path: "/lines/:line/partner",
    summary: "Name the line's Super-Twin partner (null removes it); taken at the line's next lineOpen",
    body: partnerSchema,
    response: z.strictObject({ line: z.string(), partner: z.string().nullable() }),
  },
];

/** Mounts the routes (paths relative to /api). */
export function createLineApi(deps: LineApiDependencies): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();
  const partners = deps.partners;
  if (partners) {
    // Naming a line's Super-Twin partner: configuration, taken at the line's next lineOpen.
    app.put("/lines/:line/partner", async (c) => {
      const line = c.req.param("line");
      const body = await readBody(c, partnerSchema);
      if (body instanceof LineApiError) return lineError(c, body);
      try {
        partners.set(line, (body as z.output<typeof partnerSchema>).partner);
      } catch (error) {
        const message = errorText(error);
        return /does not exist/.test(message)
          ? lineError(c, new LineApiError("LINEERR_BADDEVICEID", message))
          : lineError(c, new LineApiError("LINEERR_INVALPARAM", `partner: ${message}`, "partner"));
      }
      return c.json({ line, partner: partners.get(line) ?? null });
    });
  }
  for (const route of lineRoutes(deps)) {
    const honoPath = route.path.replace(/\{(\w+)\}/g, ":$1");
    app.on(route.method.toUpperCase(), honoPath, async (c) => {
      const line = c.req.param("line");
      const callId = c.req.param("callId");
      if (line !== undefined && !lineParam.safeParse(line).success) {
        return lineError(
          c,
          new LineApiError("LINEERR_INVALPARAM", `line: "${line}" is not a line number`, "line"),
        );
      }
      if (callId !== undefined && !callIdParam.safeParse(callId).success) {
        return lineError(
          c,
          new LineApiError("LINEERR_INVALPARAM", `callId: "${callId}" is not a callId`, "callId"),
        );
      }
      const body = await readBody(c, route.body);
      if (body instanceof LineApiError) return lineError(c, body);
      let caller: LineCaller;
      try {
        caller = deps.caller(c);
        const target = line ??
          (callId !== undefined ? deps.service.callOf(caller.client, callId).line.number : undefined);
        if (target !== undefined) checkRights(caller, target, route);
        const result = await route.handle({ caller, line, callId, body: body as never });
        if (route.status === 204) return c.body(null, 204);
        return c.json(result as object, route.status);
      } catch (error) {
        if (error instanceof LineApiError) return lineError(c, error);
        throw error;
      }
    });
  }
  return app;
}

function checkRights(caller: LineCaller, line: string, route: LineRoute): void {
  if (!caller.rights.covers(line)) {
    throw new LineApiError("LINEERR_NOTOWNER", `${caller.rights.who} has no right to line ${line}`);
  }
  if (route.access === "control" && !caller.rights.control) {
    throw new LineApiError(
      "LINEERR_NOTOWNER",
      `${caller.rights.who} may only read line ${line} (events and status); ${route.operationId} needs control`,
    );
  }
}

/** Answers a line API error in the API's error shape, with its TAPI code and HTTP status. */
export function lineError(c: Context, error: LineApiError): Response {
  return apiError(
    c,
    error.status as ContentfulStatusCode,
    error.code satisfies LineErrorCode,
    error.message,
    {
      ...(error.field ? { field: error.field } : {}),
    },
  );
}

async function readBody(c: Context, schema: z.ZodType | undefined): Promise<unknown> {
  const text = await readBoundedText(c, JSON_BODY_MAX);
  if (text === undefined) {
    return new LineApiError("LINEERR_INVALPARAM", `the body is larger than ${JSON_BODY_MAX} bytes`);
  }
  if (!schema) {
    return text.trim() === "" || text.trim() === "{}"
      ? undefined
      : new LineApiError("LINEERR_INVALPARAM", "this operation takes no body");
  }
  let value: unknown = undefined;
  if (text.trim() !== "") {
    try {
      value = JSON.parse(text);
    } catch {
      return new LineApiError("LINEERR_INVALPARAM", "the body is not JSON");
    }
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = fieldPath(issue.path);
  const unknownKey = issue.code === "unrecognized_keys" ? issue.keys[0] : undefined;
  const named = unknownKey ?? (field || "body");
  return new LineApiError("LINEERR_INVALPARAM", `${named}: ${issue.message}`, named);
}
