// Forms an operator may not send are shown read-only: every control of such a form sits in a disabled
// fieldset (no script needed, nothing can be typed or sent), a form with a card of its own says
// "Administrators only", a one-button form says it on its button. Decided by the one table of roles.ts,
// so a form is read-only exactly when the page guard would refuse it.

import { pageChangeRefused, type Role } from "../../accounts/roles.ts";

/** The note above a read-only form. */
export const ADMINISTRATORS_ONLY = "Administrators only: your operator role may view this but not change it.";

/** Opening tags of forms that post, with their attributes (a form never holds another form). */
const POST_FORM = /<form\b([^>]*\bmethod="post"[^>]*)>([\s\S]*?)<\/form>/gi;

/** `html` with each post form `role` may not send made read-only; an administrator's HTML is unchanged. */
export function markAdminOnlyForms(html: string, role: Role | undefined, user: string): string {
  if (role === "administrator") return html;
  return html.replace(POST_FORM, (whole, attributes: string, inside: string) => {
    const action = /\baction="([^"]*)"/.exec(attributes)?.[1] ?? "";
    const path = action.replace(/&amp;/g, "&").split(/[?#]/)[0];
    if (role && !pageChangeRefused(role, "POST", path, user)) return whole;
    const inline = /\bclass="[^"]*\binline\b/.test(attributes);
    const note = inline ? "" : `<p class="notice admin-only">${ADMINISTRATORS_ONLY}</p>`;
    const title = inline ? ' title="administrators only"' : "";
    return `<form${attributes} data-admin-only>${note}<fieldset disabled${title}>${inside}</fieldset></form>`;
  });
}
