// The appliance's TLS certificate: made on first start, replaced by import (PEM, PKCS#12), by a signed
// CSR or by a new self-signed one, rolled back on request. Every candidate is validated first; a refused
// one changes nothing. Listeners subscribe with onChange and swap for new connections.

import type { Logger } from "../log/logger.ts";
import { type Clock, systemClock } from "../clock.ts";
import type { Service, ServiceStatus } from "../service.ts";
import { type ApplianceNames, discoverApplianceNames, namesToCover } from "./appliance_names.ts";
import { CertFiles } from "./cert_files.ts";
import {
  certificatesToPem,
  parseCertificateDer,
  parseCertificatesPem,
  type ParsedCertificate,
} from "./certificate.ts";
import type { SubjectAltName } from "./general_names.ts";
import { createCsr, type CsrRequest, type CsrSummary, summarizeCsr } from "./csr.ts";
import { assessExpiry, defaultWarningDays, type ExpiryState } from "./expiry.ts";
import { type NameCoverage, nameCoverage } from "./name_coverage.ts";
import { readPkcs12 } from "./pkcs12.ts";
import { type PrivateKeyMaterial, publicKeyMatches, readPrivateKeyPem } from "./private_key.ts";
import { type Refusal, refusal, TlsRefusedError, type Warning, warning } from "./problems.ts";
import { generateSelfSigned, selfSignedValidityDays } from "./self_signed.ts";
import { validateServerCertificate } from "./validation.ts";
import { errorText } from "../log/error_text.ts";

/** What the TLS listeners serve. Contains the private key: never log it, never put it in an answer. */
export interface TlsPair {
  /** The server certificate alone. */
  certPem: string;
  /** The intermediate (and root, if given) certificates, in order; may be empty. */
  chainPem: string;
  /** certPem followed by chainPem: what `Deno.listenTls`, `Deno.serve` and `node:tls` take as `cert`. */
  fullChainPem: string;
  /** Unencrypted PKCS#8 PEM. */
  keyPem: string;
}

export type StatusLevel = "ok" | "warning" | "error";

export interface CertificateSummary {
  subject: string;
  issuer: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  fingerprintSha256: string;
  selfSigned: boolean;
}

/** The installed certificate as the status page and `/api/tls/status` show it. No key material. */
export interface CertificateStatus extends CertificateSummary {
  /** ok; warning (expires within the warning period, names not covered); error (expired / not yet valid). */
  level: StatusLevel;
  /** One line in plain words, e.g. "valid until …", "expired on …". */
  message: string;
  expiry: ExpiryState;
  daysLeft: number;
  subjectAltNames: SubjectAltName[];
  coverage: NameCoverage[];
  coversApplianceNames: boolean;
  keyAlgorithm: string;
  signatureAlgorithm: string;
  chain: (CertificateSummary & { expiry: ExpiryState })[];
  warnings: Warning[];
  installedAt: string | null;
}

export interface PendingCsrStatus extends CsrSummary {
  createdAt: string | null;
  csrPem: string;
}

export interface TlsOverview {
  certificate: CertificateStatus;
  previous: CertificateSummary | null;
  pendingCsr: PendingCsrStatus | null;
  /** Why the stored certificate was not used at start (damaged file), if so. */
  startupProblem: string | null;
}

export type ImportOutcome =
  | { ok: true; certificate: CertificateStatus; warnings: Warning[] }
  | { ok: false; reasons: Refusal[]; warnings: Warning[] };

export interface CertStoreOptions {
  /** The data directory; files go to `<dataDir>/tls/`. */
  dataDir: string;
  clock?: Clock;
  /** Extra names clients use (settings); added to the discovered ones. */
  configuredNames?: string[];
  /** Where the appliance's names come from; defaults to the host name, /etc/hosts and the interfaces. */
  names?: () => ApplianceNames;
  /** Days before expiry from which status warns. */
  warningDays?: number;
  selfSignedValidityDays?: number;
  /** How often expiry is re-checked, in ms. */
  checkIntervalMs?: number;
  /** Largest PEM text or PKCS#12 file accepted, in bytes. */
  maxUploadBytes?: number;
  /** The shared logger (a child named `tls`); fields never carry key material. */
  log: Logger;
}

interface Installed {
  key: PrivateKeyMaterial;
  certificates: ParsedCertificate[];
  pair: TlsPair;
  installedAt: Date | null;
}

const defaults = {
  checkIntervalMs: 6 * 3_600_000,
  maxUploadBytes: 256 * 1024,
  namesCacheMs: 60_000,
};

export class CertStore implements Service<TlsOverview> {
  readonly name = "tls";
  readonly maxUploadBytes: number;
  readonly files: CertFiles;
  #options: CertStoreOptions;
  #clock: Clock;
  #log: Logger;
  #installed: Installed | undefined;
  #startupProblem: string | null = null;
  #listeners = new Set<(pair: TlsPair) => void>();
  #queue: Promise<unknown> = Promise.resolve();
  #timer: unknown;
  #since: string;
  #names: { at: number; names: string[] } | undefined;
  #lastLevel: StatusLevel | undefined;
  #previousSummary: CertificateSummary | undefined;
  #pendingCsr: PendingCsrStatus | undefined;

  constructor(options: CertStoreOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#since = new Date(this.#clock.now()).toISOString();
    this.#log = options.log;
    this.maxUploadBytes = options.maxUploadBytes ?? defaults.maxUploadBytes;
    this.files = new CertFiles(`${options.dataDir}/tls`);
  }

  /** Loads the stored pair, falling back to the previous one, or makes a self-signed one. */
  async start(): Promise<void> {
    await this.#serialized(async () => {
      await this.files.prepare();
      this.#installed = await this.#loadStored();
      if (!this.#installed) {
        await this.#installSelfSigned("first start: no usable certificate stored");
      }
      await this.files.writePublicCopy(this.#installed!.pair.fullChainPem);
      await this.#regenerateIfSelfSignedExpired();
    });
    this.#since = new Date(this.#clock.now()).toISOString();
    this.#checkExpiry();
    this.#scheduleCheck();
  }

  async stop(): Promise<void> {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#queue.catch(() => {});
  }

  /** The pair to serve now. Throws before `start()`. */
  current(): TlsPair {
    if (!this.#installed) throw new Error("CertStore: not started");
    return this.#installed.pair;
  }

  /** Calls `listener` with the new pair after every change; returns the unsubscribe function. */
  onChange(listener: (pair: TlsPair) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  status(): ServiceStatus<TlsOverview> {
    if (!this.#installed) return { state: "stopped", since: this.#since };
    const overview = this.overview();
    const { level, message } = overview.certificate;
    const reason = this.#startupProblem ? `${message}; ${this.#startupProblem}` : message;
    return {
      state: level === "error" ? "failed" : level === "warning" ? "degraded" : "running",
      ...(level === "ok" && !this.#startupProblem ? {} : { reason }),
      since: this.#since,
      details: overview,
    };
  }

  /** Installed certificate, previous one and pending CSR, computed for the current time. */
  overview(): TlsOverview {
    if (!this.#installed) throw new Error("CertStore: not started");
    return {
      certificate: this.certificateStatus(),
      previous: this.#previousSummary ?? null,
      pendingCsr: this.#pendingCsr ?? null,
      startupProblem: this.#startupProblem,
    };
  }

  certificateStatus(): CertificateStatus {
    if (!this.#installed) throw new Error("CertStore: not started");
    return this.#describe(this.#installed);
  }

  /** Imports PEM texts: the certificate (may include its chain), the chain, the key (maybe encrypted). */
  importPem(
    input: { certificate: string; chain?: string; key: string; passphrase?: string },
  ): Promise<ImportOutcome> {
    return this.#serialized(async () => {
      const tooLarge = [input.certificate, input.chain ?? "", input.key].some((t) =>
        t.length > this.maxUploadBytes
      );
      if (tooLarge) return this.#tooLarge();
      const reasons: Refusal[] = [];
      const parsed = parseCertificatesPem(`${input.certificate}\n${input.chain ?? ""}`, "certificate");
      reasons.push(...parsed.refusals);
      if (parsed.certificates.length === 0 && parsed.refusals.length === 0) {
        reasons.push(
          refusal("certificate_missing", 'no certificate found (expected a "BEGIN CERTIFICATE" block)'),
        );
      }
      const key = await this.#readKey(() => readPrivateKeyPem(input.key, input.passphrase), reasons);
      return await this.#install({
        key,
        certificates: parsed.certificates,
        reasons,
        warnings: [],
        source: "PEM import",
      });
    });
  }

  /** Imports a PKCS#12 (.p12/.pfx) file with its password. */
  importPkcs12(input: { data: Uint8Array; password: string }): Promise<ImportOutcome> {
    return this.#serialized(async () => {
      if (input.data.length > this.maxUploadBytes) return this.#tooLarge();
      let contents;
      try {
        contents = await readPkcs12(input.data, input.password);
      } catch (error) {
        if (error instanceof TlsRefusedError) return { ok: false, reasons: error.reasons, warnings: [] };
        throw error;
      }
      const reasons: Refusal[] = [];
      const certificates: ParsedCertificate[] = [];
      for (const [i, der] of contents.certificates.entries()) {
        try {
          certificates.push(parseCertificateDer(der));
        } catch (error) {
          reasons.push(
            refusal(
              "certificate_unreadable",
              `certificate ${i + 1} in the file: ${errorText(error)}`,
            ),
          );
        }
      }
      if (contents.keys.length === 0) {
        reasons.push(refusal("pkcs12_no_key", "the PKCS#12 file holds no private key"));
      }
      if (contents.certificates.length === 0) {
        reasons.push(refusal("pkcs12_no_certificate", "the PKCS#12 file holds no certificate"));
      }
      if (reasons.length > 0) return { ok: false, reasons, warnings: [] };
      const { key, ordered, extra } = orderPkcs12(contents.keys, certificates);
      const warnings = extra.length === 0 ? [] : [warning(
        "pkcs12_extra_certificates",
        `${extra.length} certificate(s) in the file are not part of the server certificate's chain and were left out: ${
          extra.map((c) => `"${c.subject}"`).join(", ")
        }`,
      )];
      return await this.#install({ key, certificates: ordered, reasons, warnings, source: "PKCS#12 import" });
    });
  }

  /** Makes a new key and CSR; the key waits in pending.key for the signed certificate. */
  createCsr(request: CsrRequest): Promise<{ csrPem: string; summary: CsrSummary }> {
    return this.#serialized(async () => {
      const created = await createCsr(request);
      const replaced = this.#pendingCsr !== undefined;
      await this.files.writePending(created.keyPem, created.csrPem);
      await this.#refreshPending();
      const summary = summarizeCsr(created.csrPem);
      this.#log.info(replaced ? "new CSR created, replacing the pending one" : "CSR created", {
        subject: summary.subject,
        dnsNames: summary.dnsNames.join(","),
        ipAddresses: summary.ipAddresses.join(","),
      });
      return { csrPem: created.csrPem, summary };
    });
  }

  /** Installs the certificate a CA signed for the pending CSR, paired with the pending key. */
  acceptSignedCertificate(input: { certificate: string; chain?: string }): Promise<ImportOutcome> {
    return this.#serialized(async () => {
      if ([input.certificate, input.chain ?? ""].some((t) => t.length > this.maxUploadBytes)) {
        return this.#tooLarge();
      }
      const pending = await this.files.readPending();
      if (!pending) {
        return {
          ok: false,
          reasons: [
            refusal("no_pending_csr", "there is no pending CSR; create one first (POST /api/tls/csr)"),
          ],
          warnings: [],
        };
      }
      const reasons: Refusal[] = [];
      const parsed = parseCertificatesPem(`${input.certificate}\n${input.chain ?? ""}`, "certificate");
      reasons.push(...parsed.refusals);
      if (parsed.certificates.length === 0 && parsed.refusals.length === 0) {
        reasons.push(
          refusal("certificate_missing", 'no certificate found (expected a "BEGIN CERTIFICATE" block)'),
        );
      }
      const key = await this.#readKey(() => readPrivateKeyPem(pending.keyPem), reasons);
      const leaf = parsed.certificates[0];
      if (key && leaf && !publicKeyMatches(key.keyObject, leaf.spkiDer)) {
        reasons.push(refusal(
          "key_mismatch",
          "the certificate was not issued for the pending CSR (its public key differs); was it signed from another request?",
          { index: 0, subject: leaf.subject },
        ));
      }
      const outcome = await this.#install({
        key,
        certificates: parsed.certificates,
        reasons,
        warnings: [],
        source: "signed CSR",
        skipKeyMatch: true,
      });
      if (outcome.ok) {
        await this.files.clearPending();
        await this.#refreshPending();
      }
      return outcome;
    });
  }

  /** Replaces the certificate with a new self-signed one for the appliance's current names. */
  generateSelfSigned(): Promise<ImportOutcome> {
    return this.#serialized(() => this.#installSelfSigned("requested by the administrator"));
  }

  /** Swaps back to the previous pair, validated like an import (an expired one is refused). */
  rollback(): Promise<ImportOutcome> {
    return this.#serialized(async () => {
      const text = await this.files.readPrevious();
      if (text === undefined) {
        return {
          ok: false,
          reasons: [refusal("no_previous", "there is no previous certificate to go back to")],
          warnings: [],
        };
      }
      const reasons: Refusal[] = [];
      const parsed = parseCertificatesPem(text, "previous certificate");
      reasons.push(...parsed.refusals);
      const key = await this.#readKey(() => readPrivateKeyPem(text), reasons);
      return await this.#install({
        key,
        certificates: parsed.certificates,
        reasons,
        warnings: [],
        source: "rollback",
      });
    });
  }

  // ---- internals -------------------------------------------------------------------------------

  #serialized<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => {});
    return run;
  }

  #tooLarge(): ImportOutcome {
    return {
      ok: false,
      reasons: [
        refusal(
          "too_large",
          `the upload is larger than ${this.maxUploadBytes} bytes; certificate files are a few KiB`,
        ),
      ],
      warnings: [],
    };
  }

  async #readKey(
    read: () => Promise<PrivateKeyMaterial>,
    reasons: Refusal[],
  ): Promise<PrivateKeyMaterial | undefined> {
    try {
      return await read();
    } catch (error) {
      if (error instanceof TlsRefusedError) {
        reasons.push(...error.reasons);
        return undefined;
      }
      throw error;
    }
  }

  #applianceNames(): string[] {
    const now = this.#clock.now();
    if (this.#names && now - this.#names.at < defaults.namesCacheMs) return this.#names.names;
    const names = namesToCover(this.#discover());
    this.#names = { at: now, names };
    return names;
  }

  #discover(): ApplianceNames {
    return this.#options.names?.() ?? discoverApplianceNames(this.#options.configuredNames ?? []);
  }

  async #install(candidate: {
    key: PrivateKeyMaterial | undefined;
    certificates: ParsedCertificate[];
    reasons: Refusal[];
    warnings: Warning[];
    source: string;
    skipKeyMatch?: boolean;
  }): Promise<ImportOutcome> {
    const reasons = [...candidate.reasons];
    const warnings = [...candidate.warnings];
    if (candidate.certificates.length > 0) {
      const report = validateServerCertificate({
        certificates: candidate.certificates,
        key: candidate.key,
        now: this.#clock.now(),
        names: this.#applianceNames(),
        warningDays: this.#options.warningDays,
      });
      const own = candidate.skipKeyMatch
        ? report.refusals.filter((r) => r.code !== "key_mismatch")
        : report.refusals;
      reasons.push(...own);
      warnings.push(...report.warnings);
    }
    if (reasons.length === 0 && candidate.key) {
      const refused = probeTlsStack(candidate.certificates, candidate.key);
      if (refused) reasons.push(refused);
    }
    if (reasons.length > 0 || !candidate.key) {
      this.#log.warn(`${candidate.source} refused`, { reasons: reasons.map((r) => r.code).join(",") });
      return { ok: false, reasons, warnings };
    }
    const pair = toPair(candidate.key, candidate.certificates);
    await this.files.install(candidate.key.pkcs8Pem, pair.fullChainPem);
    await this.#activate({
      key: candidate.key,
      certificates: candidate.certificates,
      pair,
      installedAt: await this.files.currentModified(),
    });
    this.#startupProblem = null;
    const leaf = candidate.certificates[0];
    this.#log.info(`certificate installed (${candidate.source})`, {
      subject: leaf.subject,
      issuer: leaf.issuer,
      notAfter: leaf.notAfter.toISOString(),
      fingerprintSha256: leaf.fingerprintSha256,
    });
    return { ok: true, certificate: this.certificateStatus(), warnings };
  }

  async #activate(installed: Installed): Promise<void> {
    const changed = this.#installed !== undefined;
    this.#installed = installed;
    this.#lastLevel = undefined;
    await this.#refreshPrevious();
    await this.#refreshPending();
    if (!changed) return;
    for (const listener of this.#listeners) {
      try {
        listener(installed.pair);
      } catch (error) {
        this.#log.error("a TLS listener could not take the new certificate", {
          error: errorText(error),
        });
      }
    }
  }

  async #installSelfSigned(why: string): Promise<ImportOutcome> {
    const generated = await generateSelfSigned({
      names: this.#discover(),
      now: this.#clock.now(),
      validityDays: this.#options.selfSignedValidityDays ?? selfSignedValidityDays,
    });
    const reasons: Refusal[] = [];
    const key = await this.#readKey(() => readPrivateKeyPem(generated.keyPem), reasons);
    const parsed = parseCertificatesPem(generated.certPem, "generated certificate");
    const outcome = await this.#install({
      key,
      certificates: parsed.certificates,
      reasons: [...reasons, ...parsed.refusals],
      warnings: [],
      source: `self-signed, ${why}`,
    });
    if (!outcome.ok) {
      // Our own certificate must always pass; if not, that is a bug worth a loud error.
      throw new TlsRefusedError(outcome.reasons, outcome.warnings);
    }
    return outcome;
  }

  /** Reads current.pem, then previous.pem; a damaged file is reported, not fatal. */
  async #loadStored(): Promise<Installed | undefined> {
    const problems: string[] = [];
    for (
      const [label, read] of [["current", () => this.files.readCurrent()], [
        "previous",
        () => this.files.readPrevious(),
      ]] as const
    ) {
      const text = await read();
      if (text === undefined) continue;
      const loaded = await this.#parseStored(text);
      if ("problem" in loaded) {
        problems.push(`${label}.pem: ${loaded.problem}`);
        this.#log.error(`stored certificate (${label}.pem) is not usable`, { problem: loaded.problem });
        continue;
      }
      if (label === "previous") {
        // Serve the previous pair and make it current again, so the files say what is served.
        await this.files.install(loaded.key.pkcs8Pem, loaded.pair.fullChainPem);
      }
      await this.#activate({ ...loaded, installedAt: await this.files.currentModified() });
      this.#startupProblem = problems.length > 0 ? `not used: ${problems.join("; ")}` : null;
      return this.#installed;
    }
    this.#startupProblem = problems.length > 0 ? `not used: ${problems.join("; ")}` : null;
    return undefined;
  }

  async #parseStored(text: string): Promise<Omit<Installed, "installedAt"> | { problem: string }> {
    const parsed = parseCertificatesPem(text, "stored certificate");
    const reasons: Refusal[] = [...parsed.refusals];
    const key = await this.#readKey(() => readPrivateKeyPem(text), reasons);
    if (reasons.length > 0 || !key) return { problem: reasons.map((r) => r.message).join("; ") || "no key" };
    const leaf = parsed.certificates[0];
    if (!leaf) return { problem: "no certificate" };
    if (!publicKeyMatches(key.keyObject, leaf.spkiDer)) {
      return { problem: "the key does not match the certificate" };
    }
    return { key, certificates: parsed.certificates, pair: toPair(key, parsed.certificates) };
  }

  async #refreshPrevious(): Promise<void> {
    const text = await this.files.readPrevious().catch(() => undefined);
    const first = text ? parseCertificatesPem(text, "previous certificate").certificates[0] : undefined;
    this.#previousSummary = first ? summarize(first) : undefined;
  }

  async #refreshPending(): Promise<void> {
    const pending = await this.files.readPending().catch(() => undefined);
    if (!pending) {
      this.#pendingCsr = undefined;
      return;
    }
    try {
      this.#pendingCsr = {
        ...summarizeCsr(pending.csrPem),
        createdAt: pending.createdAt?.toISOString() ?? null,
        csrPem: pending.csrPem,
      };
    } catch (error) {
      this.#log.error("pending.csr is not readable", { error: errorText(error) });
      this.#pendingCsr = undefined;
    }
  }

  #describe(installed: Installed): CertificateStatus {
    const now = this.#clock.now();
    const warningDays = this.#options.warningDays ?? defaultWarningDays;
    const [leaf, ...chain] = installed.certificates;
    const expiry = assessExpiry(leaf.notBefore, leaf.notAfter, now, warningDays);
    const coverage = nameCoverage(leaf.subjectAltNames, this.#applianceNames());
    const warnings: Warning[] = [];
    const chainStatus = chain.map((c) => ({
      ...summarize(c),
      expiry: assessExpiry(c.notBefore, c.notAfter, now).state,
    }));
    const brokenChain = chain.find((c) => assessExpiry(c.notBefore, c.notAfter, now).state === "expired");
    const missing = coverage.filter((c) => !c.covered).map((c) => c.name);
    if (expiry.state === "expires_soon") {
      warnings.push(warning("expires_soon", `the certificate ${expiry.message}`));
    }
    if (missing.length > 0) {
      warnings.push(warning("names_not_covered", `the certificate does not cover ${missing.join(", ")}`));
    }
    let level: StatusLevel = "ok";
    let message = `${isSelfSigned(leaf) ? "self-signed certificate, " : ""}${expiry.message}`;
    if (expiry.state === "expired" || expiry.state === "not_yet_valid") {
      level = "error";
      message = `the certificate ${expiry.message}`;
    } else if (brokenChain) {
      level = "error";
      message =
        `chain certificate "${brokenChain.subject}" expired on ${brokenChain.notAfter.toISOString()}; clients refuse the chain`;
    } else if (expiry.state === "expires_soon") {
      // Names not covered are listed in `warnings` but do not lower the level: many CA certificates
      // deliberately name only the FQDN, and that is a working setup.
      level = "warning";
      message = `the certificate ${expiry.message}`;
    }
    return {
      ...summarize(leaf),
      level,
      message,
      expiry: expiry.state,
      daysLeft: expiry.daysLeft,
      subjectAltNames: leaf.subjectAltNames,
      coverage,
      coversApplianceNames: missing.length === 0,
      keyAlgorithm: leaf.keyDescription,
      signatureAlgorithm: leaf.signatureAlgorithm,
      chain: chainStatus,
      warnings,
      installedAt: installed.installedAt?.toISOString() ?? null,
    };
  }

  #scheduleCheck(): void {
    this.#timer = this.#clock.setTimeout(() => {
      this.#checkExpiry();
      this.#serialized(() => this.#regenerateIfSelfSignedExpired())
        .catch((error) => this.#log.error("self-signed renewal failed", { error: errorText(error) }));
      this.#scheduleCheck();
    }, this.#options.checkIntervalMs ?? defaults.checkIntervalMs);
  }

  /** Logs when the level changes (ok -> warning -> error), so the log shows each step once. */
  #checkExpiry(): void {
    if (!this.#installed) return;
    const status = this.certificateStatus();
    if (status.level === this.#lastLevel) return;
    this.#lastLevel = status.level;
    const fields = { subject: status.subject, notAfter: status.notAfter, daysLeft: status.daysLeft };
    if (status.level === "error") this.#log.error(`TLS certificate: ${status.message}`, fields);
    else if (status.level === "warning") this.#log.warn(`TLS certificate: ${status.message}`, fields);
  }

  /** An expired self-signed certificate helps nobody; a fresh one is made (the old one stays as previous). */
  async #regenerateIfSelfSignedExpired(): Promise<void> {
    const leaf = this.#installed?.certificates[0];
    if (!leaf || !isSelfSigned(leaf)) return;
    if (assessExpiry(leaf.notBefore, leaf.notAfter, this.#clock.now()).state !== "expired") return;
    await this.#installSelfSigned("the self-signed certificate had expired");
  }
}

function isSelfSigned(cert: ParsedCertificate): boolean {
  return cert.selfIssued;
}

function summarize(cert: ParsedCertificate): CertificateSummary {
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    serialNumber: cert.serialNumber,
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    fingerprintSha256: cert.fingerprintSha256,
    selfSigned: isSelfSigned(cert),
  };
}

function toPair(key: PrivateKeyMaterial, certificates: ParsedCertificate[]): TlsPair {
  const certPem = certificatesToPem(certificates.slice(0, 1));
  const chainPem = certificatesToPem(certificates.slice(1));
  return { certPem, chainPem, fullChainPem: certPem + chainPem, keyPem: key.pkcs8Pem };
}

/** Picks the key that belongs to a certificate and orders the chain from it by issuer. */
function orderPkcs12(
  keys: PrivateKeyMaterial[],
  certificates: ParsedCertificate[],
): { key: PrivateKeyMaterial; ordered: ParsedCertificate[]; extra: ParsedCertificate[] } {
  for (const key of keys) {
    const leaf = certificates.find((c) => publicKeyMatches(key.keyObject, c.spkiDer));
    if (leaf) return { key, ...chainFrom(leaf, certificates) };
  }
  // No key matches any certificate: order from the first non-CA one; validation reports key_mismatch.
  const leaf = certificates.find((c) => c.isCa !== true) ?? certificates[0];
  return { key: keys[0], ...chainFrom(leaf, certificates) };
}

function chainFrom(
  leaf: ParsedCertificate,
  certificates: ParsedCertificate[],
): { ordered: ParsedCertificate[]; extra: ParsedCertificate[] } {
  const ordered = [leaf];
  const rest = certificates.filter((c) => c !== leaf);
  for (;;) {
    const last = ordered[ordered.length - 1];
    if (last.selfIssued) break;
    const next = rest.findIndex((c) => c.subject === last.issuer);
    if (next < 0) break;
    ordered.push(...rest.splice(next, 1));
  }
  return { ordered, extra: rest };
}

/**
 * Loads the pair into Deno's TLS stack once (a listener on 127.0.0.1, closed at once), so a pair the
 * stack rejects is refused at import instead of failing at the next listener start.
 */
function probeTlsStack(certificates: ParsedCertificate[], key: PrivateKeyMaterial): Refusal | undefined {
  try {
    const listener = Deno.listenTls({
      hostname: "127.0.0.1",
      port: 0,
      cert: certificatesToPem(certificates),
      key: key.pkcs8Pem,
    });
    listener.close();
    return undefined;
  } catch (error) {
    if (error instanceof Deno.errors.PermissionDenied || error instanceof Deno.errors.NotCapable) {
      return undefined;
    }
    return refusal(
      "tls_stack_refused",
      `the TLS stack cannot load this certificate and key: ${errorText(error)}`,
    );
  }
}
