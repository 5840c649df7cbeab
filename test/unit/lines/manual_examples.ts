// The number-rule examples of the estos manual, shared by the rule tests and the API tests.

/** The examples of the estos manual (ECSTA for Panasonic, 3.2 Phone Number Format), each with a number it
 * changes and a number it leaves alone. */
export const MANUAL_EXAMPLES: {
  purpose: string;
  pattern: string;
  replacement: string;
  matching: [string, string | null];
  passing: string;
}[] = [
  {
    purpose: "remove a leading 0",
    pattern: "^0(.*)",
    replacement: "\\1",
    matching: ["0301234567", "301234567"],
    passing: "301234567",
  },
  {
    purpose: "replace a leading 80 by 0",
    pattern: "^80(.*)",
    replacement: "0\\1",
    matching: ["80301234", "0301234"],
    passing: "0301234",
  },
  {
    purpose: "remove a private PIN: 50 and 3 digits",
    pattern: "^50[0-9][0-9][0-9](.*)",
    replacement: "\\1",
    matching: ["501230301234567", "0301234567"],
    passing: "5012",
  },
  {
    purpose: "suppress 3-digit internal numbers",
    pattern: "^[0-9][0-9][0-9]$",
    replacement: "",
    matching: ["123", null],
    passing: "1234",
  },
  {
    purpose: "add access code 0 to numbers of more than 3 digits",
    pattern: "^([0-9][0-9][0-9].+)",
    replacement: "0\\1",
    matching: ["1234567", "01234567"],
    passing: "123",
  },
  {
    purpose: "add area code and prefix to 1-3 digit numbers",
    pattern: "^([0-9][0-9]?[0-9]?)$",
    replacement: "03012345\\1",
    matching: ["12", "0301234512"],
    passing: "1234",
  },
  {
    purpose: "add area code to 4+ digit numbers not starting with 0",
    pattern: "^([^0][0-9][0-9][0-9].*)",
    replacement: "08151\\1",
    matching: ["1234567", "081511234567"],
    passing: "0123456",
  },
];
