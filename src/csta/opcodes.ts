// The CSTA Phase III operation codes (ECMA-285 `CODE local:n`, PROTOCOL.md §6) under their ECMA names,
// with a reverse lookup for logs and typed dispatch.

/** Operation codes by ECMA-285 ASN.1 name. §6 [C-std] */
export const Opcode = {
  alternateCall: 1,
  answerCall: 2,
  clearCall: 4,
  clearConnection: 5,
  conferenceCall: 6,
  consultationCall: 7,
  holdCall: 9,
  makeCall: 10,
  reconnectCall: 13,
  retrieveCall: 14,
  transferCall: 16,
  parkCall: 18,
  singleStepConf: 20,
  /** EventReport: sent by the switch, never answered. §3 */
  cSTAEventReport: 21,
  singleStepTrans: 50,
  /** Escape, used by Panasonic for KME private services in both directions. §11 [C-pbx] */
  escape: 51,
  monitorStart: 71,
  changeMonitorFilter: 72,
  /** MonitorStop, which the switch may send too. §6 */
  monitorStop: 73,
  snapshotDevice: 74,
  snapshotCall: 75,
  getLogicalDeviceInformation: 201,
  getSwitchingFunctionCaps: 203,
  getSwitchingFunctionDevices: 204,
  /** SwitchingFunctionDevices: device data from the switch; errors only, no result. §9 */
  switchingFunctionDevices: 205,
  changeSysStatFilter: 206,
  systemRegister: 207,
  systemRegisterAbort: 208,
  systemRegisterCancel: 209,
  requestSysStat: 210,
  /** SystemStatus: Panasonic sends it right after the AARE and then periodically. §9 [C-pbx] */
  systemStatus: 211,
  swFunctionCapsChanged: 212,
  swFunctionDevicesChanged: 213,
  acceptCall: 214,
  callBack: 215,
  camponCall: 217,
  deflectCall: 218,
  dialDigits: 219,
  directedPickupCall: 220,
  groupPickupCall: 221,
  intrudeCall: 222,
  generateDigits: 232,
  getDoNotDisturb: 308,
  getForwarding: 309,
  setDoNotDisturb: 316,
  setForwarding: 317,
  cDRNotification: 360,
  /** CallDetailRecordsReport: must be answered. §10 [C-pbx] */
  cDRReport: 361,
  sendStoredCDR: 362,
  startCDRTransmission: 363,
  stopCDRTransmission: 364,
} as const;

/** An ECMA operation name. */
export type OpcodeName = keyof typeof Opcode;

const NAMES_BY_CODE: ReadonlyMap<number, OpcodeName> = new Map(
  (Object.entries(Opcode) as [OpcodeName, number][]).map(([name, code]) => [code, name]),
);

/** The ECMA name of an operation code, or `undefined` for codes outside §6. */
export function opcodeName(code: number): OpcodeName | undefined {
  return NAMES_BY_CODE.get(code);
}

/**
 * Operations the switch invokes that must never be answered ("ALWAYS RESPONDS FALSE"). §3 [C-std]
 * (SwitchingFunctionDevices only has errors, so a successful one is not answered either.)
 */
export const UNANSWERED_OPCODES: ReadonlySet<number> = new Set([
  Opcode.cSTAEventReport,
  Opcode.systemRegisterAbort,
  Opcode.switchingFunctionDevices,
]);

/**
 * Operations only the switching function invokes (§6 direction SF→CF [C-std]): an application that sends
 * one is answered with Reject invoke/unrecognizedOperation, since the switch offers no such operation to
 * invoke (X.880: an opcode outside the invokable set). EventReport, SwitchingFunctionDevices, the
 * SystemRegisterAbort / SwitchingFunctionCapabilitiesChanged / SwitchingFunctionDevicesChanged
 * notifications, and the CDR notification and report. SystemStatus (211), Escape (51), MonitorStop (73),
 * RequestSystemStatus (210) and StopCDRTransmission (364) go both ways and are not listed.
 */
export const SWITCH_ONLY_OPCODES: ReadonlySet<number> = new Set([
  Opcode.cSTAEventReport,
  Opcode.switchingFunctionDevices,
  Opcode.systemRegisterAbort,
  Opcode.swFunctionCapsChanged,
  Opcode.swFunctionDevicesChanged,
  Opcode.cDRNotification,
  Opcode.cDRReport,
]);
