// Certificate signing requests (PKCS#10) for a company CA: a new key, the administrator's subject and
// names, and the extensions a TLS server certificate needs, requested so the CA can copy them.

import { Buffer } from "node:buffer";
import { createPublicKey } from "node:crypto";
import { isDnsName } from "./appliance_names.ts";
import { generateKey, type KeyAlgorithmChoice } from "./key_generation.ts";
import { canonicalIp } from "./name_coverage.ts";
import { encodePem, parsePem } from "./pem.ts";
import { describeKey } from "./private_key.ts";
import { type Refusal, refusal, TlsRefusedError } from "./problems.ts";
import * as x509 from "./x509.ts";

export interface CsrSubject {
  commonName: string;
  organization?: string;
  organizationalUnit?: string;
  locality?: string;
  state?: string;
  /** Two-letter ISO 3166 code, e.g. `DE`. */
  country?: string;
  email?: string;
}

export interface CsrRequest {
  subject: CsrSubject;
  /** DNS names for subjectAltName; `*.example.com` allowed. */
  dnsNames: string[];
  ipAddresses: string[];
  keyAlgorithm?: KeyAlgorithmChoice;
}

export interface CreatedCsr {
  csrPem: string;
  /** The pending private key (PKCS#8 PEM); kept by the CertStore, never handed out. */
  keyPem: string;
}

/** What a CSR asks for, for status pages (read back from the CSR itself). */
export interface CsrSummary {
  subject: string;
  dnsNames: string[];
  ipAddresses: string[];
  keyAlgorithm: string;
}

const subjectAltNameOid = "2.5.29.17";

const subjectAttributes: [keyof CsrSubject, string][] = [
  ["commonName", "CN"],
  ["organizationalUnit", "OU"],
  ["organization", "O"],
  ["locality", "L"],
  ["state", "ST"],
  ["country", "C"],
  ["email", "E"],
];

/** Checks the request; every problem is a `csr_invalid` refusal naming the field. */
export function checkCsrRequest(request: CsrRequest): Refusal[] {
  const problems: Refusal[] = [];
  if (!request.subject.commonName?.trim()) {
    problems.push(refusal("csr_invalid", "subject.commonName: required"));
  }
  if (request.subject.country !== undefined && !/^[A-Z]{2}$/.test(request.subject.country)) {
    problems.push(refusal("csr_invalid", "subject.country: two capital letters (ISO 3166), e.g. DE"));
  }
  for (const name of request.dnsNames) {
    const plain = name.startsWith("*.") ? name.slice(2) : name;
    if (!isDnsName(plain)) problems.push(refusal("csr_invalid", `dnsNames: "${name}" is not a DNS name`));
  }
  for (const address of request.ipAddresses) {
    if (!canonicalIp(address)) {
      problems.push(refusal("csr_invalid", `ipAddresses: "${address}" is not an IP address`));
    }
  }
  if (request.dnsNames.length + request.ipAddresses.length === 0) {
    problems.push(
      refusal("csr_invalid", "give at least one DNS name or IP address; TLS clients check only those"),
    );
  }
  return problems;
}

/** A new key and a CSR signed with it. Throws `TlsRefusedError` (`csr_invalid`) on a bad request. */
export async function createCsr(request: CsrRequest): Promise<CreatedCsr> {
  const problems = checkCsrRequest(request);
  if (problems.length > 0) throw new TlsRefusedError(problems);
  const algorithm = request.keyAlgorithm ?? "ecdsa-p256";
  const key = await generateKey(algorithm);
  const name: x509.JsonName = [];
  for (const [field, type] of subjectAttributes) {
    const value = request.subject[field]?.trim();
    if (value) name.push({ [type]: [value] });
  }
  const usage = algorithm.startsWith("rsa-")
    ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment
    : x509.KeyUsageFlags.digitalSignature;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name,
    keys: key.keys,
    signingAlgorithm: key.signingAlgorithm,
    extensions: [
      new x509.SubjectAlternativeNameExtension([
        ...request.dnsNames.map((value) => ({ type: "dns" as const, value })),
        ...request.ipAddresses.map((value) => ({ type: "ip" as const, value })),
      ]),
      new x509.KeyUsagesExtension(usage, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    ],
  });
  return { csrPem: encodePem("CERTIFICATE REQUEST", new Uint8Array(csr.rawData)), keyPem: key.pkcs8Pem };
}

/** Reads back what a stored CSR asks for. */
export function summarizeCsr(csrPem: string): CsrSummary {
  const block = parsePem(csrPem).find((b) => b.label === "CERTIFICATE REQUEST");
  if (!block) throw new Error("no CERTIFICATE REQUEST block");
  const csr = new x509.Pkcs10CertificateRequest(block.der);
  const san = csr.getExtension(subjectAltNameOid);
  const names = san ? new x509.SubjectAlternativeNameExtension(san.rawData).names.items : [];
  const publicKey = createPublicKey({ key: Buffer.from(csr.publicKey.rawData), format: "der", type: "spki" });
  return {
    subject: csr.subject,
    dnsNames: names.filter((n) => n.type === "dns").map((n) => n.value),
    ipAddresses: names.filter((n) => n.type === "ip").map((n) => n.value),
    keyAlgorithm: describeKey(publicKey),
  };
}
