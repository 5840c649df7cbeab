// The "Location & rules" page: the location (country, area, local prefix, access codes) with a number
// conversion check, and the three number rule lists (incoming, outgoing, dialled) with add, edit,
// delete and reorder, each with a check box that shows, as one types a number, which rule matched and
// the result (the client script asks the API; without script the Check button does the same).

import type { Context, Hono } from "hono";
import type { Location } from "../../lines/location.ts";
import { NUMBER_RULE_LISTS, type NumberRule, type NumberRuleList } from "../../lines/number_rule.ts";
import type { HttpEnv } from "../context.ts";
import { formErrors } from "../inner_api.ts";
import { actingEnv, redirectWithFlash, type WebDeps } from "../web_deps.ts";
import { Card, Checkbox, Csrf, Field, FormMessage, type FormState, KeyValues } from "./components.tsx";
import { RegexHelp } from "./regex_help.tsx";
import { renderPage } from "./render.tsx";

const LIST_TITLES: Record<NumberRuleList, string> = {
  incoming: "Incoming numbers",
  outgoing: "Outgoing numbers",
  dialling: "Dialled numbers",
};
const LIST_HELP: Record<NumberRuleList, string> = {
  incoming: "Applied to the numbers of callers before applications and call records see them.",
  outgoing: "Applied to the numbers of called parties as applications and call records see them.",
  dialling: "Applied to a number an application dials, before cstabox sends it to the PBX.",
};

const LOCATION_FIELDS: [keyof Location, string, string][] = [
  ["countryCode", "Country code", "e.g. 49 for Germany, without 00 or +"],
  ["areaCode", "Area code", "e.g. 30 for Berlin, without the leading 0"],
  ["localPrefix", "Local number of the PBX", "the number before the extension (DDI base), e.g. 12345"],
  ["internationalAccess", "International access code", "dialled before a country code, e.g. 00"],
  ["nationalAccess", "National access code", "dialled before an area code, e.g. 0"],
  ["outsideLineAccess", "Outside line access code", "dialled to get an outside line, e.g. 0 (empty if none)"],
];

export interface RuleRow {
  pattern: string;
  regex: boolean;
  replacement: string;
}

interface CheckOutcome {
  number: string;
  text: string;
  ok: boolean;
}

interface NumbersPageState {
  locationForm?: FormState;
  convert?: { form: FormState; forms?: Record<string, string | null> };
  /** Rows as typed and their errors, for one list that was refused or checked. */
  lists?: Partial<
    Record<
      NumberRuleList,
      { rows: RuleRow[]; errors: Record<string, string>; message?: string; check?: CheckOutcome }
    >
  >;
}

export function mountNumbers(app: Hono<HttpEnv>, deps: WebDeps): void {
  app.get("/numbers", (c) => numbersPage(c, deps, {}));

  app.post("/numbers/location", async (c) => {
    const body = await c.req.parseBody();
    const values: Record<string, string> = {};
    for (const [key] of LOCATION_FIELDS) values[key] = String(body[key] ?? "").trim();
    values.useLocation = String(body.useLocation ?? "off");
    const result = await deps.api.call(actingEnv(c), "PUT", "/location", {
      json: { ...values, useLocation: values.useLocation === "on" },
    });
    if (!result.ok) {
      return numbersPage(c, deps, { locationForm: { values, ...formErrors(result.error) } }, 400);
    }
    return redirectWithFlash(c, deps, "/numbers", "Location saved.");
  });

  app.post("/numbers/convert", async (c) => {
    const body = await c.req.parseBody();
    const number = String(body.number ?? "").trim();
    const form: FormState = { values: { number }, errors: {} };
    const result = await deps.api.call<{ forms: Record<string, string | null> }>(
      actingEnv(c),
      "POST",
      "/location/convert",
      {
        json: { number },
      },
    );
    if (!result.ok) {
      return numbersPage(c, deps, { convert: { form: { ...form, ...formErrors(result.error) } } }, 400);
    }
    return numbersPage(c, deps, { convert: { form, forms: result.data.forms } });
  });

  app.post("/numbers/rules/:list", async (c) => {
    const list = c.req.param("list") as NumberRuleList;
    if (!NUMBER_RULE_LISTS.includes(list)) return c.text("no such rule list", 404);
    const body = await c.req.parseBody();
    const typed = readRuleRows(body);
    const action = String(body.action ?? "save");
    if (action === "check") {
      const number = String(body.check ?? "");
      const check = await runCheck(c, deps, list, typed, number);
      return numbersPage(c, deps, {
        lists: { [list]: { rows: typed, errors: check.errors, check: check.outcome } },
      }, check.ok ? 200 : 400);
    }
    const rows = applyRowAction(typed, action);
    const { rules, formIndex } = rulesToSave(rows);
    const result = await deps.api.call(actingEnv(c), "PUT", `/number-rules/${list}`, { json: { rules } });
    if (!result.ok) {
      const { errors, message } = formErrors(result.error, (field) => ruleFieldName(field, formIndex));
      return numbersPage(c, deps, {
        lists: { [list]: { rows, errors, message: message ?? result.error.message } },
      }, 400);
    }
    deps.log.info("number rules saved", { list, rules: rules.length, user: c.get("user") });
    return redirectWithFlash(
      c,
      deps,
      `/numbers#rules-${list}`,
      `${LIST_TITLES[list]}: ${rules.length} rule${rules.length === 1 ? "" : "s"} saved.`,
    );
  });
}

/** The rows of a rule list form: `pattern.N`, `regex.N`, `replacement.N` for N below `rows`. */
export function readRuleRows(body: Record<string, unknown>): RuleRow[] {
  const count = Math.min(Number(body.rows ?? 0) || 0, 500);
  const rows: RuleRow[] = [];
  for (let i = 0; i < count; i++) {
    rows.push({
      pattern: String(body[`pattern.${i}`] ?? ""),
      regex: String(body[`regex.${i}`] ?? "off") === "on",
      replacement: String(body[`replacement.${i}`] ?? ""),
    });
  }
  return rows;
}

/** `up:3`, `down:3`, `delete:3` or `save`: the rows after the action. */
export function applyRowAction(rows: RuleRow[], action: string): RuleRow[] {
  const [verb, at] = action.split(":");
  const i = Number(at);
  const out = [...rows];
  if (!Number.isInteger(i) || i < 0 || i >= out.length) return out;
  if (verb === "delete") out.splice(i, 1);
  else if (verb === "up" && i > 0) [out[i - 1], out[i]] = [out[i], out[i - 1]];
  else if (verb === "down" && i < out.length - 1) [out[i + 1], out[i]] = [out[i], out[i + 1]];
  return out;
}

/** Rows without the blank ones, and where each saved rule came from in the form. */
export function rulesToSave(rows: RuleRow[]): { rules: NumberRule[]; formIndex: number[] } {
  const rules: NumberRule[] = [];
  const formIndex: number[] = [];
  rows.forEach((row, index) => {
    if (row.pattern === "" && row.replacement === "") return;
    rules.push({ pattern: row.pattern, regex: row.regex, replacement: row.replacement });
    formIndex.push(index);
  });
  return { rules, formIndex };
}

/** `rules[2].pattern` of the API -> the form field `pattern.<row>`. */
function ruleFieldName(field: string, formIndex: number[]): string {
  const match = /^rules\[(\d+)\]\.(\w+)$/.exec(field);
  if (!match) return field;
  return `${match[2]}.${formIndex[Number(match[1])] ?? match[1]}`;
}

async function runCheck(
  c: Context<HttpEnv>,
  deps: WebDeps,
  list: NumberRuleList,
  rows: RuleRow[],
  number: string,
): Promise<{ ok: boolean; outcome: CheckOutcome; errors: Record<string, string> }> {
  const { rules, formIndex } = rulesToSave(rows);
  const result = await deps.api.call<{ matched: number | null; result: string; suppressed: boolean }>(
    actingEnv(c),
    "POST",
    "/number-rules/check",
    { json: { list, number, rules } },
  );
  if (!result.ok) {
    const { errors } = formErrors(result.error, (field) => ruleFieldName(field, formIndex));
    return { ok: false, errors, outcome: { number, ok: false, text: result.error.message } };
  }
  return { ok: true, errors: {}, outcome: { number, ok: true, text: describeCheck(result.data, formIndex) } };
}

/** The check's answer in words, as the client script also writes it. */
export function describeCheck(
  check: { matched: number | null; result: string; suppressed: boolean },
  formIndex: number[],
): string {
  if (check.matched === null) return `No rule matches; the number stays ${check.result}.`;
  const rule = (formIndex[check.matched] ?? check.matched) + 1;
  if (check.suppressed) return `Rule ${rule} matches and suppresses the number.`;
  return `Rule ${rule} matches: ${check.result}`;
}

async function numbersPage(
  c: Context<HttpEnv>,
  deps: WebDeps,
  state: NumbersPageState,
  status: 200 | 400 = 200,
): Promise<Response> {
  const env = actingEnv(c);
  const [location, rules] = await Promise.all([
    deps.api.get<Location>(env, "/location"),
    deps.api.get<Record<NumberRuleList, NumberRule[]>>(env, "/number-rules"),
  ]);
  return renderPage(c, deps, {
    title: "Location & rules",
    status,
    intro: "Where the PBX is in the public numbering plan, and the search-and-replace rules for numbers.",
    body: (ctx) => {
      const locForm = state.locationForm;
      const loc = location.ok ? location.data : undefined;
      const value = (key: keyof Location) => locForm?.values[key] ?? String(loc?.[key] ?? "");
      return (
        <div class="grid">
          <Card title="Location" id="location">
            <form method="post" action="/numbers/location#location" id="location-form">
              <Csrf token={ctx.csrf} />
              {locForm ? <FormMessage form={locForm} /> : null}
              {LOCATION_FIELDS.map(([key, label, help]) => (
                <Field
                  name={key}
                  label={label}
                  help={help}
                  value={value(key)}
                  error={locForm?.errors[key]}
                  inputmode="tel"
                />
              ))}
              <Checkbox
                name="useLocation"
                label="Show numbers in canonical form (+49 (30) 12345-100)"
                checked={locForm ? locForm.values.useLocation === "on" : loc?.useLocation === true}
                error={locForm?.errors.useLocation}
              />
              <button type="submit" class="primary">Save location</button>
            </form>
          </Card>
          <Card title="Try a number" id="convert">
            <form method="post" action="/numbers/convert#convert" id="convert-form" class="row">
              <Csrf token={ctx.csrf} />
              <Field
                name="number"
                label="Number"
                value={state.convert?.form.values.number}
                error={state.convert?.form.errors.number}
                inputmode="tel"
              />
              <button type="submit" class="secondary">Convert</button>
            </form>
            {state.convert?.forms
              ? (
                <KeyValues
                  id="convert-result"
                  rows={Object.entries(state.convert.forms).map(([form, text]) => [form, text ?? "–"])}
                />
              )
              : null}
          </Card>
          <Card title="Writing a rule" id="rule-help" wide>
            <RegexHelp />
          </Card>
          {NUMBER_RULE_LISTS.map((list) => {
            const typed = state.lists?.[list];
            const saved = rules.ok ? rules.data[list] : [];
            return (
              <RuleListForm
                list={list}
                csrf={ctx.csrf}
                rows={typed?.rows ?? saved}
                errors={typed?.errors ?? {}}
                message={typed?.message}
                check={typed?.check}
              />
            );
          })}
        </div>
      );
    },
  });
}

function RuleListForm(
  props: {
    list: NumberRuleList;
    csrf: string;
    rows: RuleRow[];
    errors: Record<string, string>;
    message?: string;
    check?: CheckOutcome;
  },
) {
  const { list } = props;
  // One blank row to add a rule.
  const rows = [...props.rows, { pattern: "", regex: true, replacement: "" }];
  return (
    <Card title={LIST_TITLES[list]} id={`rules-${list}`} wide>
      <p class="help">
        {LIST_HELP[list]}{" "}
        The first matching rule wins. With "regex", the replacement may use \1…\9; an empty replacement
        suppresses the number.
      </p>
      <form
        method="post"
        action={`/numbers/rules/${list}#rules-${list}`}
        id={`rules-form-${list}`}
        data-rule-list={list}
      >
        <Csrf token={props.csrf} />
        <input type="hidden" name="rows" value={String(rows.length)} />
        {/* The first submit button is what Enter presses: make it "save", not "move rule 1 up". */}
        <button
          type="submit"
          name="action"
          value="save"
          class="visually-hidden"
          tabindex={-1}
          aria-hidden="true"
        >
          Save
        </button>
        {props.message ? <p class="notice error" role="alert">{props.message}</p> : null}
        <div class="table-wrap">
          <table class="rules">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Pattern</th>
                <th scope="col">Regex</th>
                <th scope="col">Replacement</th>
                <th scope="col"></th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row, i) => {
                const isNew = i === rows.length - 1;
                const patternError = props.errors[`pattern.${i}`];
                const replacementError = props.errors[`replacement.${i}`];
                return (
                  <tr data-rule-row={String(i)} class={isNew ? "new-rule" : undefined}>
                    <td data-label="Rule">{isNew ? "new" : i + 1}</td>
                    <td class={patternError ? "invalid" : undefined} data-label="Pattern">
                      <input
                        name={`pattern.${i}`}
                        value={row.pattern}
                        aria-label={`pattern of rule ${i + 1}`}
                        class="mono"
                        id={`rule-${list}-pattern-${i}`}
                        aria-invalid={patternError ? "true" : undefined}
                      />
                      {patternError ? <span class="error">{patternError}</span> : null}
                    </td>
                    <td data-label="Regex">
                      <input type="hidden" name={`regex.${i}`} value="off" />
                      <input
                        type="checkbox"
                        name={`regex.${i}`}
                        value="on"
                        checked={row.regex}
                        aria-label={`rule ${i + 1} is a regular expression`}
                      />
                    </td>
                    <td class={replacementError ? "invalid" : undefined} data-label="Replacement">
                      <input
                        name={`replacement.${i}`}
                        value={row.replacement}
                        aria-label={`replacement of rule ${i + 1}`}
                        class="mono"
                        id={`rule-${list}-replacement-${i}`}
                        aria-invalid={replacementError ? "true" : undefined}
                      />
                      {replacementError ? <span class="error">{replacementError}</span> : null}
                    </td>
                    <td class="row-actions">
                      {isNew ? null : (
                        <>
                          <button
                            type="submit"
                            name="action"
                            value={`up:${i}`}
                            class="icon"
                            title="Move up"
                            aria-label={`move rule ${i + 1} up`}
                            disabled={i === 0}
                          >
                            ↑
                          </button>
                          <button
                            type="submit"
                            name="action"
                            value={`down:${i}`}
                            class="icon"
                            title="Move down"
                            aria-label={`move rule ${i + 1} down`}
                            disabled={i === rows.length - 2}
                          >
                            ↓
                          </button>
                          <button
                            type="submit"
                            name="action"
                            value={`delete:${i}`}
                            class="icon danger"
                            title="Delete"
                            aria-label={`delete rule ${i + 1}`}
                          >
                            ✕
                          </button>
                        </>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        <div class="check-box row">
          <Field
            name="check"
            label="Check a number"
            value={props.check?.number}
            id={`rule-check-${list}`}
            inputmode="tel"
            help="Shows which rule matches and the result as you type, with the rules as they are in the form (saved or not)."
          />
          <button type="submit" name="action" value="check" class="secondary">Check</button>
          <output
            id={`rule-check-result-${list}`}
            for={`rule-check-${list}`}
            class={props.check ? (props.check.ok ? "ok" : "error") : undefined}
            aria-live="polite"
          >
            {props.check?.text ?? ""}
          </output>
        </div>
        <button type="submit" name="action" value="save" class="primary" id={`rules-save-${list}`}>
          Save rules
        </button>
      </form>
    </Card>
  );
}
