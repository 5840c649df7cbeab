// GET /api/openapi.json is a valid OpenAPI 3.1 document (checked with a standard validator from npm)
// naming every line API operation by its TAPI operationId, and every other mounted route.

import assert from "node:assert/strict";
import { Validator } from "@seriousme/openapi-schema-validator";
import { ROUTE_DOCS } from "../../../src/http/api/api_table.ts";
import { BASIC, lineApiRig } from "./line_api_rig.ts";

const OPERATION_IDS = [
  "lineOpen",
  "lineClose",
  "lineGetAddressStatus",
  "lineMakeCall",
  "lineAnswer",
  "lineDrop",
  "lineHold",
  "lineUnhold",
  "lineRedirect",
  "lineBlindTransfer",
  "lineSetupTransfer",
  "lineSwapHold",
  "lineCompleteTransfer",
  "lineAddToConference",
  "lineRemoveFromConference",
  "linePickup",
  "lineGenerateDigits",
  "lineDial",
  "lineCompleteCall",
  "lineForward",
  "lineCancelForward",
  "lineSetDoNotDisturb",
  "lineEvents",
];

Deno.test("/api/openapi.json validates as OpenAPI 3.1 and names every operation", async () => {
  const rig = await lineApiRig();
  try {
    const answer = await rig.api("GET", "/openapi.json");
    assert.equal(answer.status, 200);
    const validator = new Validator();
    const result = await validator.validate(answer.body);
    assert.deepEqual(result, { valid: true }, JSON.stringify(result.errors)?.slice(0, 2000));
    assert.equal(validator.version, "3.1");
    const ids = Object.values(answer.body.paths as Record<string, Record<string, { operationId: string }>>)
      .flatMap((methods) => Object.values(methods).map((o) => o.operationId));
    for (const id of OPERATION_IDS) assert.ok(ids.includes(id), `operationId ${id} missing`);
    assert.equal(new Set(ids).size, ids.length, "operationIds are unique");
    // Request bodies come from the routes' zod schemas.
    const makeCall = answer.body.paths["/lines/{line}/calls"].post;
    assert.deepEqual(makeCall.requestBody.content["application/json"].schema.required, ["to"]);
    assert.equal(makeCall.requestBody.content["application/json"].schema.additionalProperties, false);
    // The administration API is listed too.
    assert.ok(answer.body.paths["/licences"]?.get, "GET /licences listed");
    assert.ok(answer.body.paths["/lines/{number}"]?.put, "PUT /lines/{number} listed");
  } finally {
    await rig.close();
  }
});

/** Where an operation of the document falls back to an empty (any) schema: a route without a RouteDoc. */
// deno-lint-ignore no-explicit-any
function genericParts(operation: any): string[] {
  const empty = (schema: unknown) => JSON.stringify(schema) === "{}";
  const parts: string[] = [];
  const body = operation.requestBody?.content?.["application/json"]?.schema;
  if (body !== undefined && empty(body)) parts.push("request body");
  // deno-lint-ignore no-explicit-any
  for (const [status, answer] of Object.entries(operation.responses as Record<string, any>)) {
    if (status === "default") continue;
    const schema = answer.content?.["application/json"]?.schema;
    if (schema !== undefined && empty(schema)) parts.push(`${status} answer`);
  }
  return parts;
}

Deno.test("every route of /api/openapi.json has a real request and answer schema, none generic", async () => {
  const rig = await lineApiRig();
  try {
    const answer = await rig.api("GET", "/openapi.json");
    const generic: string[] = [];
    for (
      const [path, methods] of Object.entries(answer.body.paths as Record<string, Record<string, unknown>>)
    ) {
      for (const [verb, operation] of Object.entries(methods)) {
        if (path === "/openapi.json") continue; // the document itself: any OpenAPI document
        const parts = genericParts(operation);
        if (parts.length > 0) generic.push(`${verb.toUpperCase()} ${path}`);
      }
    }
    assert.deepEqual(generic, [], "routes with a generic schema: give each a RouteDoc");
  } finally {
    await rig.close();
  }
});

Deno.test("every GET route without parameters answers what its RouteDoc's schema says", async () => {
  const rig = await lineApiRig();
  try {
    let checked = 0;
    for (const [mount, routes] of Object.entries(ROUTE_DOCS)) {
      for (const doc of routes) {
        if (doc.method !== "get" || doc.path.includes(":") || !doc.response || "media" in doc.response) {
          continue;
        }
        const path = `${mount}${doc.path}`.replace(/\/+/g, "/").replace(/(.)\/$/, "$1");
        // JSON is asked for: the directories answer CSV unless the client accepts JSON.
        const answer = await fetch(`${rig.base}/api${path}`, {
          headers: { authorization: BASIC, accept: "application/json" },
        });
        const body = await answer.json();
        assert.equal(answer.status, 200, `GET ${path}: ${JSON.stringify(body)}`);
        const parsed = doc.response.safeParse(body);
        assert.ok(parsed.success, `GET ${path} does not answer its schema: ${parsed.error?.message}`);
        checked++;
      }
    }
    assert.ok(checked >= 10, `${checked} routes checked`);
  } finally {
    await rig.close();
  }
});
