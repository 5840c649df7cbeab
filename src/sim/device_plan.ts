// The simulated PBX's devices: extensions, CO lines (trunks) and incoming groups, each with a dialling
// number and an internal device number, plus DDI routing, pickup groups and the outside-line code.

/** What a device is; decides how calls reach it and how it is listed (§9 DeviceCategory, §11). */
export type DeviceKind = "extension" | "trunk" | "group";

interface DeviceBase {
  /** The dialling number (digits), the device's key everywhere in the simulator. §5.1 dialingNumber */
  readonly number: string;
  /** Switch-internal device number, the other form Panasonic accepts and reports. §5.1 deviceNumber [C-pbx] */
  readonly deviceNumber: number;
  readonly name: string;
}

/** A telephone. */
export interface Extension extends DeviceBase {
  readonly kind: "extension";
  /** Pickup group (GroupPickupCall picks calls ringing at other members of the same group). */
  readonly pickupGroup: number;
}

/** One CO line: carries one external call at a time. */
export interface Trunk extends DeviceBase {
  readonly kind: "trunk";
}

/** An incoming (hunt) group: calls ring one idle member, or wait in the group's queue. */
export interface IncomingGroup extends DeviceBase {
  readonly kind: "group";
  /** Member extensions, in hunting order. */
  readonly members: readonly string[];
  /** Calls that may wait when no member is idle; one more gets busy. */
  readonly queueLimit: number;
}

export type PlanDevice = Extension | Trunk | IncomingGroup;

/** A plan that cannot be built or changed as asked; `field` names the offending option. */
export class DevicePlanError extends Error {
  override readonly name = "DevicePlanError";
  constructor(readonly field: string, readonly reason: string) {
    super(`${field}: ${reason}`);
  }
}

/**
 * Why a plan with these options cannot be built, or `undefined`: the settings check a demo plan with this
 * at save, so a value the simulator would refuse never reaches a start.
 */
export function devicePlanProblem(options: DevicePlanOptions): DevicePlanError | undefined {
  try {
    DevicePlan.build(options);
    return undefined;
  } catch (error) {
    if (error instanceof DevicePlanError) return error;
    throw error;
  }
}

/** How a dialled digit string resolves in this plan. */
export type DialResult =
  | { kind: "device"; device: PlanDevice }
  | { kind: "external"; number: string }
  /** A proper prefix of an internal number: more digits may follow (dial-tone dialling). */
  | { kind: "incomplete" }
  | { kind: "unknown" };

/** Options of {@link DevicePlan.build}. */
export interface DevicePlanOptions {
  /** Extension numbers as ranges, e.g. `"101-199"` or `"101-120,200"`. Default `"101-199"`. */
  extensions?: string;
  /** Number of CO lines. Default 8. */
  trunks?: number;
  /** First trunk number; later trunks count up, skipping taken numbers. Default `"9001"` (assumption). */
  firstTrunkNumber?: string;
  /** Incoming groups; default two groups of four extensions (600 "Sales", 601 "Support"). */
  groups?: readonly { number: string; name: string; members: readonly string[]; queueLimit?: number }[];
  /** Digits that seize a CO line; everything dialled after it goes out. Default `"0"`. */
  outsideLineCode?: string;
  /** DDI numbers are this prefix + the extension number, and prefix + `000`, `001`, … for groups. */
  ddiPrefix?: string;
  /** Extensions per pickup group (consecutive extensions share one). Default 10. */
  pickupGroupSize?: number;
  /** Queue limit of the default groups. Default 10. */
  queueLimit?: number;
  /**
   * Super-Twin pairs, main extension -> its paired DECT portable (Panasonic "Wireless XDP Parallel Mode",
   * KX-NS "paired extensions"). Both must be extensions of the plan. How a real PBX shows the pairing over
   * CSTA is not documented [?]: see `twinOf`.
   */
  twins?: Readonly<Record<string, string>>;
}

/** Device-number blocks per kind (assumption: Panasonic's numbering is undocumented, §5.1, §14.4). */
const DEVICE_NUMBER_BASE: Record<DeviceKind, number> = {
  extension: 0x01000000,
  trunk: 0x02000000,
  group: 0x03000000,
};

const DEMO_NAMES = [
  "Anna Weber",
  "Ben Fischer",
  "Clara Wagner",
  "David Becker",
  "Eva Hoffmann",
  "Felix Koch",
  "Greta Richter",
  "Hannah Klein",
  "Jonas Wolf",
  "Lena Neumann",
  "Max Schwarz",
  "Nora Braun",
];

const DIGITS = /^[0-9]{1,20}$/;

/** Change listeners learn which numbers were added or removed (SwitchingFunctionDevicesChanged, §9). */
export type PlanChange = { kind: "added"; device: PlanDevice } | { kind: "removed"; device: PlanDevice };

/** The simulated PBX's numbering: lookups by number and device number, DDI and dialling resolution. */
export class DevicePlan {
  readonly outsideLineCode: string;
  readonly #byNumber = new Map<string, PlanDevice>();
  readonly #byDeviceNumber = new Map<number, PlanDevice>();
  readonly #ddi = new Map<string, string>();
  readonly #listeners = new Set<(change: PlanChange) => void>();
  readonly #nextDeviceNumber: Record<DeviceKind, number> = { extension: 1, trunk: 1, group: 1 };
  /** Every proper prefix of an internal number, for dial-tone dialling. */
  #prefixes = new Set<string>();
  /** Super-Twin pairs both ways. */
  readonly #twinOf = new Map<string, string>();
  readonly #mainOf = new Map<string, string>();

  constructor(outsideLineCode = "0") {
    if (!/^[0-9]{1,4}$/.test(outsideLineCode)) {
      throw new DevicePlanError("outsideLineCode", `"${outsideLineCode}" is not 1-4 digits`);
    }
    this.outsideLineCode = outsideLineCode;
  }

  /** Builds the default demo plan, or one shaped by `options`. */
  static build(options: DevicePlanOptions = {}): DevicePlan {
    const plan = new DevicePlan(options.outsideLineCode ?? "0");
    const numbers = expandRanges(options.extensions ?? "101-199");
    const pickupGroupSize = options.pickupGroupSize ?? 10;
    if (!Number.isInteger(pickupGroupSize) || pickupGroupSize < 1) {
      throw new DevicePlanError("pickupGroupSize", "must be a positive integer");
    }
    numbers.forEach((number, i) => {
      plan.addExtension(number, DEMO_NAMES[i % DEMO_NAMES.length], Math.floor(i / pickupGroupSize) + 1);
    });
    const trunkCount = options.trunks ?? 8;
    if (!Number.isInteger(trunkCount) || trunkCount < 0 || trunkCount > 9999) {
      throw new DevicePlanError("trunks", "must be an integer in 0..9999");
    }
    let trunkNumber = options.firstTrunkNumber ?? "9001";
    for (let i = 1; i <= trunkCount; i++) {
      trunkNumber = plan.#firstFree(trunkNumber);
      plan.addTrunk(trunkNumber, `CO ${i}`);
      trunkNumber = increment(trunkNumber);
    }
    const queueLimit = options.queueLimit ?? 10;
    const groups = options.groups ?? defaultGroups(plan, numbers, queueLimit);
    for (const group of groups) {
      plan.addGroup(group.number, group.name, group.members, group.queueLimit ?? queueLimit);
    }
    for (const [main, partner] of Object.entries(options.twins ?? {})) plan.pairTwin(main, partner);
    const ddiPrefix = options.ddiPrefix ?? "5551";
    for (const ext of plan.extensions()) plan.setDdi(ddiPrefix + ext.number, ext.number);
    plan.groups().forEach((group, i) => plan.setDdi(ddiPrefix + String(i).padStart(3, "0"), group.number));
    return plan;
  }

  /**
   * Pairs a portable with a main extension (Super-Twin). The simulator's model [?]: a call to the main
   * rings both, the first to answer takes it and the other stops ringing (cause callPickup); the
   * portable keeps its own number, and its events are reported at the main's monitors too.
   */
  pairTwin(main: string, partner: string): void {
    for (const [field, number] of [["twins", main], ["twins", partner]] as const) {
      if (!this.extension(number)) throw new DevicePlanError(field, `${number} is no extension of the plan`);
    }
    if (main === partner || this.#twinOf.has(partner) || this.#mainOf.has(main)) {
      throw new DevicePlanError("twins", `${main} and ${partner} cannot be paired`);
    }
    this.#twinOf.set(main, partner);
    this.#mainOf.set(partner, main);
  }

  /** The portable paired with a main extension. */
  twinOf(main: string): string | undefined {
    return this.#twinOf.get(main);
  }

  /** The main extension a portable is paired with. */
  mainOf(partner: string): string | undefined {
    return this.#mainOf.get(partner);
  }

  /** Calls `listener` on every added or removed device; returns the unsubscribe function. */
  onChange(listener: (change: PlanChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The device with this dialling number. */
  device(number: string): PlanDevice | undefined {
    return this.#byNumber.get(number);
  }

  /** The device with this device number. */
  deviceByNumber(deviceNumber: number): PlanDevice | undefined {
    return this.#byDeviceNumber.get(deviceNumber);
  }

  /** The extension with this number, or undefined when the number is no extension. */
  extension(number: string): Extension | undefined {
    const device = this.#byNumber.get(number);
    return device?.kind === "extension" ? device : undefined;
  }

  /** All devices in creation order. */
  devices(): PlanDevice[] {
    return [...this.#byNumber.values()];
  }

  extensions(): Extension[] {
    return this.devices().filter((d): d is Extension => d.kind === "extension");
  }

  trunks(): Trunk[] {
    return this.devices().filter((d): d is Trunk => d.kind === "trunk");
  }

  groups(): IncomingGroup[] {
    return this.devices().filter((d): d is IncomingGroup => d.kind === "group");
  }

  /** Incoming groups an extension belongs to. */
  groupsOf(extension: string): IncomingGroup[] {
    return this.groups().filter((g) => g.members.includes(extension));
  }

  /** Other extensions in the same pickup group. */
  pickupPartners(extension: string): Extension[] {
    const own = this.extension(extension);
    if (!own) return [];
    return this.extensions().filter((e) => e.pickupGroup === own.pickupGroup && e.number !== extension);
  }

  /** Where an incoming call to `ddi` goes (a device number), if anywhere. */
  ddiDestination(ddi: string): string | undefined {
    return this.#ddi.get(ddi);
  }

  /** DDI numbers and their destinations. */
  ddiTable(): [string, string][] {
    return [...this.#ddi.entries()];
  }

  /** Whether digits go out on a CO line: the outside-line code followed by at least one digit. */
  isExternal(digits: string): boolean {
    return digits.length > this.outsideLineCode.length && digits.startsWith(this.outsideLineCode);
  }

  /** Resolves dialled digits to a device, an external number, a number still being dialled, or nothing. */
  dial(digits: string): DialResult {
    const device = this.#byNumber.get(digits);
    if (device && device.kind !== "trunk") return { kind: "device", device };
    if (this.isExternal(digits)) return { kind: "external", number: digits };
    if (digits === this.outsideLineCode || this.#prefixes.has(digits)) return { kind: "incomplete" };
    return { kind: "unknown" };
  }

  /** Adds an extension; its device number is the next free one of the extension block. */
  addExtension(number: string, name: string, pickupGroup = 1): Extension {
    return this.#add({
      kind: "extension",
      number,
      name,
      pickupGroup,
      deviceNumber: this.#allocate("extension"),
    });
  }

  /** Adds a CO line. */
  addTrunk(number: string, name: string): Trunk {
    return this.#add({ kind: "trunk", number, name, deviceNumber: this.#allocate("trunk") });
  }

  /** Adds an incoming group of existing extensions. */
  addGroup(number: string, name: string, members: readonly string[], queueLimit = 10): IncomingGroup {
    for (const member of members) {
      if (!this.extension(member)) {
        throw new DevicePlanError(`group ${number}`, `member ${member} is no extension`);
      }
    }
    if (!Number.isInteger(queueLimit) || queueLimit < 0) {
      throw new DevicePlanError(`group ${number}`, "queueLimit must be a non-negative integer");
    }
    return this.#add({
      kind: "group",
      number,
      name,
      members: [...members],
      queueLimit,
      deviceNumber: this.#allocate("group"),
    });
  }

  /** Routes a DDI number to a device (extension or group). */
  setDdi(ddi: string, destination: string): void {
    if (!DIGITS.test(ddi)) throw new DevicePlanError("ddi", `"${ddi}" is not a digit string`);
    const device = this.#byNumber.get(destination);
    if (!device || device.kind === "trunk") {
      throw new DevicePlanError("ddi", `destination ${destination} is no extension or group`);
    }
    this.#ddi.set(ddi, destination);
  }

  /**
   * Removes a device, its DDI entries and its group memberships. The caller checks first that no call
   * uses it (the call engine refuses to remove a busy device).
   */
  remove(number: string): PlanDevice {
    const device = this.#byNumber.get(number);
    if (!device) throw new DevicePlanError("number", `${number} is not in the plan`);
    this.#byNumber.delete(number);
    this.#byDeviceNumber.delete(device.deviceNumber);
    for (const [ddi, destination] of this.#ddi) if (destination === number) this.#ddi.delete(ddi);
    for (const group of this.groups()) {
      if (group.members.includes(number)) {
        const members = group.members.filter((m) => m !== number);
        this.#byNumber.set(group.number, { ...group, members });
      }
    }
    this.#rebuildPrefixes();
    this.#notify({ kind: "removed", device });
    return device;
  }

  #add<D extends PlanDevice>(device: D): D {
    if (!DIGITS.test(device.number)) {
      throw new DevicePlanError(device.kind, `number "${device.number}" is not a digit string`);
    }
    if (this.#byNumber.has(device.number)) {
      throw new DevicePlanError(device.kind, `number ${device.number} is already taken`);
    }
    if (device.number.startsWith(this.outsideLineCode) && device.kind !== "trunk") {
      throw new DevicePlanError(device.kind, `number ${device.number} starts with the outside-line code`);
    }
    this.#byNumber.set(device.number, device);
    this.#byDeviceNumber.set(device.deviceNumber, device);
    this.#rebuildPrefixes();
    this.#notify({ kind: "added", device });
    return device;
  }

  #allocate(kind: DeviceKind): number {
    for (;;) {
      const candidate = DEVICE_NUMBER_BASE[kind] + this.#nextDeviceNumber[kind]++;
      if (!this.#byDeviceNumber.has(candidate)) return candidate;
    }
  }

  #firstFree(number: string): string {
    let candidate = number;
    while (this.#byNumber.has(candidate)) candidate = increment(candidate);
    return candidate;
  }

  #rebuildPrefixes(): void {
    const prefixes = new Set<string>();
    for (const device of this.#byNumber.values()) {
      if (device.kind === "trunk") continue;
      for (let i = 1; i < device.number.length; i++) prefixes.add(device.number.slice(0, i));
    }
    this.#prefixes = prefixes;
  }

  #notify(change: PlanChange): void {
    for (const listener of this.#listeners) listener(change);
  }
}

/** Expands `"101-103,200"` to `["101","102","103","200"]`, keeping leading zeros and widths. */
export function expandRanges(text: string): string[] {
  const out: string[] = [];
  for (const entry of text.split(/[\s,;]+/).filter((e) => e !== "")) {
    const [first, last = first, extra] = entry.split("-");
    if (extra !== undefined || !DIGITS.test(first) || !DIGITS.test(last)) {
      throw new DevicePlanError("extensions", `"${entry}" is not a number or first-last range`);
    }
    if (first.length !== last.length) {
      throw new DevicePlanError("extensions", `"${entry}": both ends need the same number of digits`);
    }
    const from = Number(first);
    const to = Number(last);
    if (to < from) throw new DevicePlanError("extensions", `"${entry}" ends before it starts`);
    if (out.length + (to - from + 1) > 10000) {
      throw new DevicePlanError("extensions", "more than 10000 extensions");
    }
    for (let n = from; n <= to; n++) out.push(String(n).padStart(first.length, "0"));
  }
  if (out.length === 0) throw new DevicePlanError("extensions", "no extension given");
  return out;
}

function increment(number: string): string {
  return String(Number(number) + 1).padStart(number.length, "0");
}

function defaultGroups(
  plan: DevicePlan,
  extensions: readonly string[],
  queueLimit: number,
): { number: string; name: string; members: string[]; queueLimit: number }[] {
  const groups: { number: string; name: string; members: string[]; queueLimit: number }[] = [];
  const names = ["Sales", "Support"];
  let number = "600";
  for (let i = 0; i < names.length && i * 4 < extensions.length; i++) {
    while (plan.device(number) || number.startsWith(plan.outsideLineCode)) number = increment(number);
    groups.push({ number, name: names[i], members: extensions.slice(i * 4, i * 4 + 4), queueLimit });
    number = increment(number);
  }
  return groups;
}
