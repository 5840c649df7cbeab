// The location of the PBX in the public numbering plan (country code, area code, local prefix) and the
// access codes dialled there; it turns extension 100 into the canonical number +49(30)12345-100.

import { z } from "zod";

export interface Location {
  /** Country code without access code, e.g. `49`. */
  countryCode: string;
  /** Area code without the national access code, e.g. `30` (Berlin); empty where there are no area codes. */
  areaCode: string;
  /** The PBX's own number in its area, before the extension (DDI base), e.g. `12345`. */
  localPrefix: string;
  /** Dialled before a country code, e.g. `00`. */
  internationalAccess: string;
  /** Dialled before an area code, e.g. `0`; empty in plans without one. */
  nationalAccess: string;
  /** Dialled at an extension to seize an outside line, e.g. `0` or `9`; empty if none is needed. */
  outsideLineAccess: string;
  /** Show lines and internal numbers in canonical form (estos "Use location"). */
  useLocation: boolean;
}

export const DEFAULT_LOCATION: Location = {
  countryCode: "",
  areaCode: "",
  localPrefix: "",
  internationalAccess: "00",
  nationalAccess: "0",
  outsideLineAccess: "",
  useLocation: false,
};

const digits = (max: number, what: string) =>
  z.string().trim().regex(new RegExp(`^[0-9]{0,${max}}$`), `${what}: up to ${max} digits`);
const accessCode = (what: string) =>
  z.string().trim().regex(/^[0-9*#]{0,4}$/, `${what}: up to 4 characters of 0-9, * and #`);

/** The one schema a location passes before it is stored, whether it comes from the API or the store. */
export const locationSchema = z.strictObject({
  countryCode: digits(3, "country code"),
  areaCode: digits(6, "area code"),
  localPrefix: digits(12, "local prefix"),
  internationalAccess: accessCode("international access code"),
  nationalAccess: accessCode("national access code"),
  outsideLineAccess: accessCode("outside line access code"),
  useLocation: z.boolean(),
}).superRefine((location, context) => {
  if (location.useLocation && location.countryCode === "") {
    context.addIssue({
      code: "custom",
      path: ["countryCode"],
      message: "country code: needed when the location is used",
    });
  }
  if (
    location.internationalAccess !== "" && location.internationalAccess === location.nationalAccess
  ) {
    context.addIssue({
      code: "custom",
      path: ["internationalAccess"],
      message: "international access code: must differ from the national access code",
    });
  }
});
