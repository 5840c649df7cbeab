// The numbering plan as the rest of the appliance asks about it: is a number internal, how is a line
// shown, what does the PBX dial for a number written in any form.

import { isInternal } from "./extension_ranges.ts";
import type { LineRepository } from "./line_repository.ts";
import type { LocationRepository } from "./location_repository.ts";
import {
  convertPhoneNumber,
  formatPhoneNumber,
  lineDisplayNumber,
  type NumberForm,
  type ParseOptions,
  parsePhoneNumber,
  type PhoneNumber,
} from "./number_forms.ts";

/**
 * Asks the repositories on each call, so a saved change applies at once (the location repository keeps
 * location and ranges in memory once read and forgets them when it saves).
 */
export class NumberingPlan {
  constructor(private readonly locations: LocationRepository, private readonly lines: LineRepository) {}

  /** In the extension ranges; with none configured, the number of a stored line. */
  isInternal(number: string): boolean {
    return isInternal(this.locations.extensionRanges(), number, (n) => this.lines.has(n));
  }

  /** Places a number written in any form; throws `PhoneNumberError` for what is no phone number. */
  parse(input: string, options: ParseOptions = {}): PhoneNumber {
    const location = this.locations.location();
    const ranges = this.locations.extensionRanges();
    return parsePhoneNumber(input, location, this.#internalTest(ranges), options);
  }

  /** One form of a number written in any form, or `null` where that form does not exist for it. */
  format(input: string, form: NumberForm, options: ParseOptions = {}): string | null {
    return formatPhoneNumber(this.parse(input, options), form, this.locations.location());
  }

  /** Every form of a number. */
  convert(input: string, options: ParseOptions = {}): ReturnType<typeof convertPhoneNumber> {
    const ranges = this.locations.extensionRanges();
    return convertPhoneNumber(input, this.locations.location(), this.#internalTest(ranges), options);
  }

  /** What the PBX should dial for a number written in any form (the extension, or outside line + number). */
  dialable(input: string): string {
    return this.format(input, "dialable") ?? input;
  }

  /** A line's number as applications see it: canonical when "use location" is on. */
  displayNumber(extension: string): string {
    return lineDisplayNumber(extension, this.locations.location());
  }

  #internalTest(ranges: ReturnType<LocationRepository["extensionRanges"]>) {
    return (number: string) => isInternal(ranges, number, (n) => this.lines.has(n));
  }
}
