// JSON API of the number rules, mounted at /api/number-rules: the three lists, each saved whole, and a
// check of a number against a saved list or against rules not yet saved.

import { Hono } from "hono";
import { z } from "zod";
import { NUMBER_RULE_LISTS, NumberRuleError, type NumberRuleList } from "../../lines/number_rule.ts";
import type { NumberRuleBook } from "../../lines/number_rule_book.ts";
import { apiError } from "../api_errors.ts";
import type { HttpEnv } from "../context.ts";
import type { AuditLog } from "../../audit/audit_log.ts";
import { auditActor } from "../auth/audit_actor.ts";
import { readJsonBody } from "./json_body.ts";
import type { RouteDoc } from "./route_doc.ts";

export interface NumberRulesApiDependencies {
  rules: NumberRuleBook;
  audit?: AuditLog;
}

const listSchema = z.enum(NUMBER_RULE_LISTS as [NumberRuleList, ...NumberRuleList[]]);
const ruleSchema = z.strictObject({
  pattern: z.string(),
  regex: z.boolean().default(true),
  replacement: z.string(),
});
const saveSchema = z.strictObject({ rules: z.array(ruleSchema).max(1000) });
const checkSchema = z.strictObject({
  list: listSchema,
  number: z.string().max(1000),
  /** Rules to check instead of the saved list (the rule editor's check before saving). */
  rules: z.array(ruleSchema).max(1000).optional(),
});

const savedRule = z.strictObject({ pattern: z.string(), regex: z.boolean(), replacement: z.string() });
const savedList = z.strictObject({ list: listSchema, rules: z.array(savedRule) });

/** The routes of /api/number-rules for the OpenAPI document. */
export const NUMBER_RULES_ROUTES: readonly RouteDoc[] = [
  {
    method: "get",
    path: "/",
    summary: "The three lists: incoming, outgoing, dialling",
    response: z.strictObject({
      incoming: z.array(savedRule),
      outgoing: z.array(savedRule),
      dialling: z.array(savedRule),
    }),
  },
  {
    method: "post",
    path: "/check",
    summary: "Run a number through a saved list, or through rules not yet saved",
    body: checkSchema,
    response: z.strictObject({
      list: listSchema,
      number: z.string(),
      matched: z.number().int().nullable().describe("the position of the rule that matched"),
      result: z.string(),
      suppressed: z.boolean(),
      tooLong: z.boolean().optional(),
      rule: savedRule.nullable(),
    }),
  },
  { method: "get", path: "/:list", summary: "One list", response: savedList },
  { method: "put", path: "/:list", summary: "Save one list whole", body: saveSchema, response: savedList },
];

/** Builds the /api/number-rules sub-app. */
export function createNumberRulesApi(deps: NumberRulesApiDependencies): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();

  app.get(
    "/",
    (c) => c.json(Object.fromEntries(NUMBER_RULE_LISTS.map((list) => [list, deps.rules.rules(list)]))),
  );

  app.post("/check", async (c) => {
    const body = await readJsonBody(c, checkSchema);
    if (!body.ok) return body.response;
    const { list, number, rules } = body.data;
    return ruleWork(c, () => {
      const check = rules ? deps.rules.checkUnsaved(list, rules, number) : deps.rules.check(list, number);
      const used = rules ?? deps.rules.rules(list);
      return c.json({ list, ...check, rule: check.matched === null ? null : used[check.matched] });
    });
  });

  app.get("/:list", (c) => {
    const list = listSchema.safeParse(c.req.param("list"));
    if (!list.success) return unknownList(c, c.req.param("list"));
    return c.json({ list: list.data, rules: deps.rules.rules(list.data) });
  });

  app.put("/:list", async (c) => {
    const list = listSchema.safeParse(c.req.param("list"));
    if (!list.success) return unknownList(c, c.req.param("list"));
    const body = await readJsonBody(c, saveSchema);
    if (!body.ok) return body.response;
    return ruleWork(c, () => {
      const old = deps.rules.rules(list.data);
      deps.rules.save(list.data, body.data.rules);
      const rules = deps.rules.rules(list.data);
      deps.audit?.record(auditActor(c), {
        action: "number rules changed",
        object: `${list.data} number rules`,
        old,
        new: rules,
      });
      return c.json({ list: list.data, rules });
    });
  });

  return app;
}

function unknownList(c: Parameters<typeof apiError>[0], list: string): Response {
  return apiError(
    c,
    404,
    "not_found",
    `no number rule list "${list}"; the lists are ${NUMBER_RULE_LISTS.join(", ")}`,
  );
}

/** Answers a refused rule with 422, naming the list, the rule position and the field. */
function ruleWork(c: Parameters<typeof apiError>[0], work: () => Response): Response {
  try {
    return work();
  } catch (error) {
    if (!(error instanceof NumberRuleError)) throw error;
    const field = error.field === "rules" ? "rules" : `rules[${error.index}].${error.field}`;
    return apiError(c, 422, "invalid_rule", error.message, {
      field,
      details: { list: error.list, index: error.index, reason: error.reason },
    });
  }
}
