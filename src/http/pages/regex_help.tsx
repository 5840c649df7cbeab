// The rules page's help on writing a rule: the signs of a regular expression and the worked examples of
// the estos manual's "Phone Number Format" (seed document, section 3.2), each example's result computed
// by cstabox's own rule engine when the page is drawn, so the table cannot promise what the rules do not do.

import { checkNumberRules, compileNumberRule } from "../../lines/number_rule.ts";

/** Each sign of the accepted syntax (docs/number-rules.md), with a pattern that shows it. */
const SIGNS: [sign: string, meaning: string, example: string][] = [
  ["^", "the beginning of the number", '"^0" matches a 0 only at the beginning'],
  [
    "[^ ]",
    "inside brackets, right after [: none of these characters",
    '"[^0-8]" is any character but 0 to 8',
  ],
  ["$", "the end of the number", '"152$" matches 152 only at the end'],
  ["|", "either the expression on its left or the one on its right", '"8|9" matches 8 as well as 9'],
  [".", "any one character", '"0.1" matches 001, 011, 0#1 …'],
  ["*", "the character (or group) on its left, 0 or more times", '"^0*" matches every leading 0'],
  ["+", "the character on its left, at least once", '"^0+" needs at least one 0'],
  ["?", "the character on its left, 0 or 1 times", '"^0?1" matches 1 and 01'],
  [
    "( )",
    "a group: evaluated first, and kept for the replacement as \\1, \\2 …",
    '"^0(.*)" keeps what follows the 0',
  ],
  ["[ ]", "one of the characters listed, or a range", '"[0-9]" is one digit, "[+*#]" one of + * #'],
  ["\\d", "one digit, like [0-9]", '"^\\d{3}$" is exactly three digits'],
  [
    "{n} {n,m}",
    "the character on its left n times, or n to m times",
    '"^[0-9]{1,3}$" is one to three digits',
  ],
];

/** The manual's examples: what for, search pattern, replacement, and a number to try it on. */
const EXAMPLES: [purpose: string, pattern: string, replacement: string, number: string][] = [
  ["Remove a leading 0", "^0(.*)", "\\1", "0301234567"],
  ["Replace a leading 80 by 0", "^80(.*)", "0\\1", "80301234"],
  ["Remove a private PIN (50 and 3 digits)", "^50[0-9][0-9][0-9](.*)", "\\1", "501230301234567"],
  ["Suppress internal numbers (3 digits)", "^[0-9][0-9][0-9]$", "", "123"],
  ["Add the access code 0 to numbers of 4 or more digits", "^([0-9][0-9][0-9].+)", "0\\1", "1234567"],
  ["Add area code and prefix to 1 to 3 digit numbers", "^([0-9][0-9]?[0-9]?)$", "03012345\\1", "12"],
  [
    "Add an area code to numbers of 4 or more digits not beginning with 0",
    "^([^0][0-9][0-9][0-9].*)",
    "08151\\1",
    "1234567",
  ],
];

/** What an example turns its number into, by the rule engine itself. */
export function exampleResult(pattern: string, replacement: string, number: string): string {
  const rule = compileNumberRule({ pattern, regex: true, replacement }, "dialling", 0);
  const check = checkNumberRules([rule], number);
  return check.matched === null ? `${number} (no match)` : check.suppressed ? "(suppressed)" : check.result;
}

export function RegexHelp() {
  return (
    <details class="regex-help" id="regex-help">
      <summary>How to write a rule: the signs of a regular expression, and examples</summary>
      <p>
        A rule's pattern is a regular expression tried on the whole number. If it matches, the number becomes
        the rule's replacement, in which <code>\1</code> is what the first pair of parentheses matched,{" "}
        <code>\2</code>{" "}
        the second, and so on; an empty replacement suppresses the number. If it does not match, the next rule
        is tried; a number no rule matches stays as it is.
      </p>
      <div class="table-wrap">
        <table id="regex-signs">
          <caption>The signs</caption>
          <thead>
            <tr>
              <th scope="col">Sign</th>
              <th scope="col">Meaning</th>
              <th scope="col">Example</th>
            </tr>
          </thead>
          <tbody>
            {SIGNS.map(([sign, meaning, example]) => (
              <tr>
                <td>
                  <code>{sign}</code>
                </td>
                <td>{meaning}</td>
                <td>{example}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div class="table-wrap">
        <table id="regex-examples">
          <caption>Examples (from the estos manual)</caption>
          <thead>
            <tr>
              <th scope="col">What for</th>
              <th scope="col">Search</th>
              <th scope="col">Replace with</th>
              <th scope="col">Example</th>
            </tr>
          </thead>
          <tbody>
            {EXAMPLES.map(([purpose, pattern, replacement, number]) => (
              <tr>
                <td>{purpose}</td>
                <td>
                  <code>{pattern}</code>
                </td>
                <td>{replacement ? <code>{replacement}</code> : <span class="muted">(empty)</span>}</td>
                <td>
                  <code>{number}</code> → <code>{exampleResult(pattern, replacement, number)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p class="help">
        Back-references in the pattern, look-arounds and patterns that could take very long are refused when
        saved (docs/number-rules.md, "Accepted pattern syntax and limits").
      </p>
    </details>
  );
}
