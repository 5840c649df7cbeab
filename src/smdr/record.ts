// The fixed-length SMDR record: 13 fields separated by single spaces, 162 characters, sent with CR LF.
// Formatting never produces another length, whatever the event holds; parsing reads a record back.

import { SMDR_EVENT_TYPES, type SmdrEvent } from "./smdr_event.ts";

/** How one field is laid out: numbers are right-aligned and padded, names and tokens sit in `|…|`. */
export type FieldStyle = "text" | "number" | "boxed";

export interface RecordField {
  name: RecordFieldName;
  width: number;
  style: FieldStyle;
}

export type RecordFieldName =
  | "date"
  | "time"
  | "direction"
  | "callId"
  | "trunk"
  | "extension"
  | "sourceExtension"
  | "callerNumber"
  | "contactName"
  | "ddi"
  | "ddiName"
  | "accountCode"
  | "event";

/** The record layout in order; widths include the `|` of boxed fields. */
export const RECORD_FIELDS: readonly RecordField[] = [
  { name: "date", width: 10, style: "text" },
  { name: "time", width: 8, style: "text" },
  { name: "direction", width: 5, style: "boxed" },
  { name: "callId", width: 22, style: "text" },
  { name: "trunk", width: 7, style: "number" },
  { name: "extension", width: 7, style: "number" },
  { name: "sourceExtension", width: 7, style: "number" },
  { name: "callerNumber", width: 15, style: "number" },
  { name: "contactName", width: 16, style: "boxed" },
  { name: "ddi", width: 15, style: "number" },
  { name: "ddiName", width: 12, style: "boxed" },
  { name: "accountCode", width: 12, style: "number" },
  { name: "event", width: 14, style: "boxed" },
];

/** Characters of a record without its line end: 150 of fields and 12 separating spaces. */
export const RECORD_LENGTH = RECORD_FIELDS.reduce((sum, f) => sum + f.width, 0) + RECORD_FIELDS.length - 1;

/** Every record ends with carriage return and line feed. */
export const RECORD_LINE_END = "\r\n";

/** Bytes of one record on the wire (records are plain ASCII, so characters = bytes). */
export const RECORD_WIRE_BYTES = RECORD_LENGTH + RECORD_LINE_END.length;

/** A record could not be formatted or read; says which field or position and why. */
export class SmdrRecordError extends Error {
  override readonly name = "SmdrRecordError";
  constructor(message: string) {
    super(message);
  }
}

export interface FormatOptions {
  /** Pads number fields on the left; one printable ASCII character (setting `smdr.paddingCharacter`). */
  padding: string;
}

const widthOf = Object.fromEntries(RECORD_FIELDS.map((f) => [f.name, f.width])) as Record<
  RecordFieldName,
  number
>;

/** Throws unless `padding` is one printable ASCII character, so that every record stays 162 bytes. */
export function checkPaddingCharacter(padding: string): void {
  if (!/^[\x20-\x7e]$/.test(padding)) {
    throw new SmdrRecordError(
      `padding character ${JSON.stringify(padding)} is not one printable ASCII character`,
    );
  }
}

/**
 * Formats one event as a record of exactly `RECORD_LENGTH` characters, without the line end. The
 * event's `contactName` and `ddiName` are printed as given (the service fills them from the
 * directories). The source extension is printed only on DIVERTED and TRANSFERRED.
 */
export function formatRecord(event: SmdrEvent, options: FormatOptions): string {
  checkPaddingCharacter(options.padding);
  const pad = options.padding;
  const showsSource = event.event === "DIVERTED" || event.event === "TRANSFERRED";
  const parts = [
    formatDate(event.at),
    formatTime(event.at),
    event.direction === "IN" ? "|IN |" : "|OUT|",
    callId(event.callStart, event.callSerial),
    fitNumber(event.trunk, widthOf.trunk, pad),
    fitNumber(event.extension, widthOf.extension, pad),
    fitNumber(showsSource ? event.sourceExtension ?? "" : "", widthOf.sourceExtension, pad),
    fitNumber(event.callerNumber, widthOf.callerNumber, pad),
    boxName(event.contactName ?? "", widthOf.contactName),
    fitNumber(event.ddi ?? "", widthOf.ddi, pad),
    boxName(event.ddiName ?? "", widthOf.ddiName),
    fitNumber(event.accountCode ?? "", widthOf.accountCode, pad),
    boxName(event.event, widthOf.event),
  ];
  return parts.join(" ");
}

/** The call ID: the call's start as `YYYYMMDDhhmmss` and the last 8 digits of its serial. */
export function callId(callStart: Date, callSerial: number): string {
  const serial = String(Math.trunc(callSerial) % 100_000_000).padStart(8, "0");
  return formatDate(callStart).replaceAll("-", "") + formatTime(callStart).replaceAll(":", "") + serial;
}

/**
 * A number in a right-aligned field: characters that cannot be part of a dialled number (spaces,
 * separators, non-ASCII) are left out, a longer number keeps its last characters.
 */
export function fitNumber(number: string, width: number, padding: string): string {
  const cleaned = number.replace(/[^\x21-\x7b\x7d\x7e]/g, "");
  return cleaned.slice(-width).padStart(width, padding);
}

/** A name in `|…|`, left-aligned, space-filled, cut to the inner width and folded to ASCII. */
export function boxName(name: string, width: number): string {
  const inner = width - 2;
  return `|${toRecordAscii(name).slice(0, inner).padEnd(inner, " ")}|`;
}

const foldings: Record<string, string> = {
  "ß": "ss",
  "æ": "ae",
  "Æ": "AE",
  "œ": "oe",
  "Œ": "OE",
  "ø": "o",
  "Ø": "O",
  "ł": "l",
  "Ł": "L",
  "đ": "d",
  "Đ": "D",
  "þ": "th",
  "Þ": "TH",
};

/**
 * Names in printable ASCII, so every record stays 162 bytes whatever the collector's code page:
 * accents are dropped (`Müller` -> `Muller`), a few letters are spelled out (`ß` -> `ss`), control
 * characters become spaces, anything else (and `|`, the field delimiter) becomes `?`.
 */
export function toRecordAscii(text: string): string {
  return text.normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^\x20-\x7b\x7d\x7e]/gu, (ch) => foldings[ch] ?? (/[\p{Cc}\p{Zs}]/u.test(ch) ? " " : "?"));
}

function two(n: number): string {
  return String(n).padStart(2, "0");
}

/** `YYYY-MM-DD` in the appliance's local time; years outside 0..9999 do not fit the field. */
export function formatDate(date: Date): string {
  const year = date.getFullYear();
  if (!(year >= 0 && year <= 9999)) throw new SmdrRecordError(`year ${year} does not fit the date field`);
  return `${String(date.getFullYear()).padStart(4, "0")}-${two(date.getMonth() + 1)}-${two(date.getDate())}`;
}

/** `hh:mm:ss` (24 h) in the appliance's local time. */
export function formatTime(date: Date): string {
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/** A record read back into its fields: boxes without their `|`, names without trailing spaces. */
export type RecordFields = Record<RecordFieldName, string>;

const knownEvents = new Set<string>(SMDR_EVENT_TYPES);

/** Splits a record (with or without its line end) into fields; throws `SmdrRecordError` if malformed. */
export function parseRecord(line: string): RecordFields {
  const text = line.endsWith(RECORD_LINE_END) ? line.slice(0, -RECORD_LINE_END.length) : line;
  if (text.length !== RECORD_LENGTH) {
    throw new SmdrRecordError(`record is ${text.length} characters, expected ${RECORD_LENGTH}`);
  }
  const fields = {} as RecordFields;
  let offset = 0;
  for (const field of RECORD_FIELDS) {
    const raw = text.slice(offset, offset + field.width);
    if (offset > 0 && text[offset - 1] !== " ") {
      throw new SmdrRecordError(`no space before ${field.name} at character ${offset}`);
    }
    if (field.style === "boxed") {
      if (!raw.startsWith("|") || !raw.endsWith("|")) {
        throw new SmdrRecordError(`${field.name} at character ${offset + 1} is not enclosed in |…|`);
      }
      fields[field.name] = raw.slice(1, -1).trimEnd();
    } else {
      fields[field.name] = raw;
    }
    offset += field.width + 1;
  }
  if (!knownEvents.has(fields.event)) {
    throw new SmdrRecordError(`unknown event ${JSON.stringify(fields.event)}`);
  }
  return fields;
}
