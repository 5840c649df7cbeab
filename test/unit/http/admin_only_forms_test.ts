// Which forms an operator's page shows read-only: exactly those the page guard would refuse, whatever the
// action's query or fragment; a card's form says "Administrators only", a one-button form only its title.

import assert from "node:assert/strict";
import { ADMINISTRATORS_ONLY, markAdminOnlyForms } from "../../../src/http/pages/admin_only_forms.ts";

const page = [
  '<form method="post" action="/smdr/settings#smdr-settings" id="a"><input name="x"><button>Save</button></form>',
  '<form class="inline" method="post" action="/lines/101/delete"><button>Delete</button></form>',
  '<form method="post" action="/applications/7/disconnect" class="inline"><button>Disconnect</button></form>',
  '<form method="post" action="/password"><button>Change</button></form>',
  '<form method="get" action="/smdr#smdr-history"><input name="extension"></form>',
].join("\n");

Deno.test("an operator's page shows each form they may not send read-only, the others as they are", () => {
  const html = markAdminOnlyForms(page, "operator", "eve");
  const forms = html.split("\n");
  assert.equal(
    forms[0],
    `<form method="post" action="/smdr/settings#smdr-settings" id="a" data-admin-only><p class="notice admin-only">${ADMINISTRATORS_ONLY}</p><fieldset disabled><input name="x"><button>Save</button></fieldset></form>`,
  );
  assert.equal(
    forms[1],
    '<form class="inline" method="post" action="/lines/101/delete" data-admin-only><fieldset disabled title="administrators only"><button>Delete</button></fieldset></form>',
  );
  assert.deepEqual(forms.slice(2), page.split("\n").slice(2), "disconnect, own password and searches stay");
});

Deno.test("an administrator's page is left as it is; an unknown user's forms are all read-only", () => {
  assert.equal(markAdminOnlyForms(page, "administrator", "admin"), page);
  const unknown = markAdminOnlyForms(page, undefined, "ghost");
  assert.equal(unknown.match(/data-admin-only/g)?.length, 4, "every post form");
});
