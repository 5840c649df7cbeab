// Conversions of a phone number between its forms (canonical, international, national, local, internal,
// dialable) given the location and its access codes.

import type { Location } from "./location.ts";

/**
 * A number placed in the numbering plan: an extension of this PBX, an external number known up to its
 * country code (`international`: digits after the `+`), or a string that cannot be placed (a feature code,
 * or any external number while no country code is configured), which every form passes through unchanged.
 */
export type PhoneNumber =
  | { kind: "internal"; extension: string }
  | { kind: "external"; international: string }
  | { kind: "unplaced"; digits: string };

export type NumberForm = "canonical" | "international" | "national" | "local" | "internal" | "dialable";

export const NUMBER_FORMS: readonly NumberForm[] = [
  "canonical",
  "international",
  "national",
  "local",
  "internal",
  "dialable",
];

/** The input is not a phone number at all (letters, too long, empty). */
export class PhoneNumberError extends Error {
  override readonly name = "PhoneNumberError";
  constructor(readonly input: string, readonly reason: string) {
    super(`"${input}" is not a phone number: ${reason}`);
  }
}

export interface ParseOptions {
  /**
   * The number may start with the outside line access code (as dialled at an extension); when it does,
   * the code is removed and the rest is an external number.
   */
  withOutsideLineAccess?: boolean;
}

/** Longest phone number accepted, separators removed (E.164 allows 15 digits; access codes and DDI add some). */
export const PHONE_NUMBER_MAX = 32;
const SEPARATORS = /[\s\-()/.]/g;

/**
 * Places a number written in any form: `+49(30)12345-100`, `+49 30 12345100`, `0049…`, `030…`, `12345100`,
 * `100`. `isInternal` tells extension numbers (see `isInternal` in extension_ranges.ts).
 */
export function parsePhoneNumber(
  input: string,
  location: Location,
  isInternal: (number: string) => boolean,
  options: ParseOptions = {},
): PhoneNumber {
  const cleaned = input.replace(SEPARATORS, "");
  if (cleaned === "" || cleaned === "+") throw new PhoneNumberError(input, "it is empty");
  if (!/^\+?[0-9*#]+$/.test(cleaned)) {
    throw new PhoneNumberError(input, "only digits, +, * and # are allowed");
  }
  if (cleaned.length > PHONE_NUMBER_MAX) {
    throw new PhoneNumberError(input, `longer than ${PHONE_NUMBER_MAX} characters`);
  }
  if (/[*#]/.test(cleaned) && !isInternal(cleaned)) return { kind: "unplaced", digits: cleaned };
  if (cleaned.startsWith("+")) return placeInternational(cleaned.slice(1), location, isInternal);
  const outside = location.outsideLineAccess;
  if (options.withOutsideLineAccess && outside !== "" && cleaned.startsWith(outside)) {
    return placeExternal(cleaned.slice(outside.length), location, isInternal);
  }
  if (isInternal(cleaned)) return { kind: "internal", extension: cleaned };
  return placeExternal(cleaned, location, isInternal);
}

/** An external number as dialled after the outside line: with an access code, or local. */
function placeExternal(digits: string, location: Location, isInternal: (n: string) => boolean): PhoneNumber {
  const { internationalAccess, nationalAccess, countryCode, areaCode } = location;
  if (internationalAccess !== "" && digits.startsWith(internationalAccess)) {
    return placeInternational(digits.slice(internationalAccess.length), location, isInternal);
  }
  if (countryCode === "" || digits === "") return { kind: "unplaced", digits };
  if (nationalAccess === "") return placeInternational(countryCode + digits, location, isInternal);
  if (digits.startsWith(nationalAccess)) {
    return placeInternational(countryCode + digits.slice(nationalAccess.length), location, isInternal);
  }
  return placeInternational(countryCode + areaCode + digits, location, isInternal);
}

/** A number known up to its country code; one of this PBX's own direct-dial numbers becomes internal. */
function placeInternational(
  international: string,
  location: Location,
  isInternal: (n: string) => boolean,
): PhoneNumber {
  if (international === "") return { kind: "unplaced", digits: "+" };
  const base = ownBase(location);
  if (base !== undefined && international.startsWith(base)) {
    const extension = international.slice(base.length);
    if (extension !== "" && isInternal(extension)) return { kind: "internal", extension };
  }
  return { kind: "external", international };
}

/** The international digits before an extension of this PBX, when the location is complete enough. */
function ownBase(location: Location): string | undefined {
  if (location.countryCode === "" || location.localPrefix === "") return undefined;
  return location.countryCode + location.areaCode + location.localPrefix;
}

/**
 * Writes a placed number in a form; `null` where the form does not exist for it (the internal form of an
 * external number, or any public form while the location is incomplete).
 *
 * - canonical: `+49(30)12345-100` for an extension (`+352 4711-100` without area code), `+49(30)1234567`
 *   in the own area, `+49891234567` elsewhere (the area split of other areas is unknown);
 * - international `+493012345100`; national `03012345100`; local `12345100`; internal `100`;
 * - dialable: what an extension dials: the extension, or the outside line code followed by the national
 *   form (own country) or the international access code and the international number.
 */
export function formatPhoneNumber(number: PhoneNumber, form: NumberForm, location: Location): string | null {
  if (number.kind === "unplaced") return number.digits;
  if (number.kind === "internal") return formatInternal(number.extension, form, location);
  return formatExternal(number.international, form, location);
}

function formatInternal(extension: string, form: NumberForm, location: Location): string | null {
  if (form === "internal" || form === "dialable") return extension;
  const base = ownBase(location);
  if (base === undefined) return form === "canonical" ? extension : null;
  const { countryCode, areaCode, localPrefix } = location;
  switch (form) {
    case "canonical":
      return areaCode === ""
        ? `+${countryCode} ${localPrefix}-${extension}`
        : `+${countryCode}(${areaCode})${localPrefix}-${extension}`;
    case "international":
      return `+${base}${extension}`;
    case "national":
      return location.nationalAccess + areaCode + localPrefix + extension;
    case "local":
      return localPrefix + extension;
  }
}

function formatExternal(international: string, form: NumberForm, location: Location): string | null {
  const { countryCode, areaCode, nationalAccess, internationalAccess, outsideLineAccess } = location;
  const national = countryCode !== "" && international.startsWith(countryCode)
    ? international.slice(countryCode.length)
    : undefined;
  const inOwnArea = national !== undefined && areaCode !== "" && national.startsWith(areaCode);
  switch (form) {
    case "internal":
      return null;
    case "canonical":
      return inOwnArea
        ? `+${countryCode}(${areaCode})${national.slice(areaCode.length)}`
        : `+${international}`;
    case "international":
      return `+${international}`;
    case "national":
      return national !== undefined ? nationalAccess + national : internationalAccess + international;
    case "local":
      if (inOwnArea) return national.slice(areaCode.length);
      return national !== undefined ? nationalAccess + national : internationalAccess + international;
    case "dialable":
      return outsideLineAccess +
        (national !== undefined ? nationalAccess + national : internationalAccess + international);
  }
}

/** Every form of one input at once, as the location page and the API's convert show them. */
export function convertPhoneNumber(
  input: string,
  location: Location,
  isInternal: (number: string) => boolean,
  options: ParseOptions = {},
): { number: PhoneNumber; forms: Record<NumberForm, string | null> } {
  const number = parsePhoneNumber(input, location, isInternal, options);
  const forms = Object.fromEntries(
    NUMBER_FORMS.map((form) => [form, formatPhoneNumber(number, form, location)]),
  ) as Record<NumberForm, string | null>;
  return { number, forms };
}

/** How a line's number is shown to applications: canonical when the location is used, else as stored. */
export function lineDisplayNumber(extension: string, location: Location): string {
  if (!location.useLocation) return extension;
  return formatInternal(extension, "canonical", location) ?? extension;
}
