// GET /api/openapi.json is a valid OpenAPI 3.1 document (checked with a standard validator from npm)
// naming every line API operation by its TAPI operationId, and every other mounted route.

import assert from "node:assert/strict";
import { Validator } from "@seriousme/openapi-schema-validator";
import { lineApiRig } from "./line_api_rig.ts";

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
