// Certificate signing requests (PKCS#10) for a company CA: a new key, the administrator's subject and
// names, and the extensions a TLS server certificate needs, requested so the CA can copy them.

import { Buffer } from "node:buffer";
import { createPublicKey } from "node:crypto";
import * as asn1js from "asn1js";
import { isDnsName } from "./appliance_names.ts";
import { decodeBer, elements, encoded, isContextTag, oid } from "./asn1_tree.ts";
import { encodeName, formatName, type NameAttribute } from "./distinguished_name.ts";
import { generateKey, type KeyAlgorithmChoice } from "./key_generation.ts";
import { canonicalIp, type SubjectAltName } from "./general_names.ts";
import { encodePem, parsePem } from "./pem.ts";
import { describeKey } from "./private_key.ts";
import { type Refusal, refusal, TlsRefusedError } from "./problems.ts";
import { signStructure } from "./signature_algorithm.ts";
import {
  encodeServerExtensions,
  extensionOids,
  KeyUsage,
  readExtensions,
  readSubjectAltNames,
} from "./x509_extensions.ts";

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

/** PKCS#9 extensionRequest: the extensions the CA is asked to copy into the certificate. */
const extensionRequestOid = "1.2.840.113549.1.9.14";

const subjectAttributes: [keyof CsrSubject, NameAttribute][] = [
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
  const email = request.subject.email?.trim();
  // The subject's emailAddress is an IA5String (RFC 5280): ASCII only.
  if (email && !/^[\x21-\x3f\x41-\x7e]+@[\x21-\x3f\x41-\x7e]+$/.test(email)) {
    problems.push(refusal("csr_invalid", "subject.email: an e-mail address in ASCII, e.g. pbx@example.com"));
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
  const subject: [NameAttribute, string][] = [];
  for (const [field, type] of subjectAttributes) {
    const value = request.subject[field]?.trim();
    if (value) subject.push([type, value]);
  }
  // An RSA key may also be used for RSA key exchange by old clients; an EC key only signs.
  const keyUsage = algorithm.startsWith("rsa-")
    ? KeyUsage.digitalSignature | KeyUsage.keyEncipherment
    : KeyUsage.digitalSignature;
  const extensions = encodeServerExtensions({ dns: request.dnsNames, ips: request.ipAddresses, keyUsage });
  const certificationRequestInfo = new asn1js.Sequence({
    value: [
      new asn1js.Integer({ value: 0 }),
      encodeName(subject),
      asn1js.fromBER(key.spkiDer).result,
      new asn1js.Constructed({
        idBlock: { tagClass: 3, tagNumber: 0 },
        value: [
          new asn1js.Sequence({
            value: [
              new asn1js.ObjectIdentifier({ value: extensionRequestOid }),
              new asn1js.Set({ value: [extensions] }),
            ],
          }),
        ],
      }),
    ],
  });
  const der = signStructure(certificationRequestInfo, key.privateKey);
  return { csrPem: encodePem("CERTIFICATE REQUEST", der), keyPem: key.pkcs8Pem };
}

/** Reads back what a stored CSR asks for (RFC 2986 §4.1). Throws `Asn1ShapeError` when it is not a CSR. */
export function summarizeCsr(csrPem: string): CsrSummary {
  const block = parsePem(csrPem).find((b) => b.label === "CERTIFICATE REQUEST");
  if (!block) throw new Error("no CERTIFICATE REQUEST block");
  const [info] = elements(decodeBer(block.der, "CSR"), "CSR");
  const [, subject, spki, attributes] = elements(info, "certificationRequestInfo");
  const names = requestedAltNames(attributes);
  const publicKey = createPublicKey({ key: Buffer.from(encoded(spki)), format: "der", type: "spki" });
  return {
    subject: formatName(subject, "CSR subject"),
    dnsNames: names.filter((n) => n.type === "dns").map((n) => n.value),
    ipAddresses: names.filter((n) => n.type === "ip").map((n) => n.value),
    keyAlgorithm: describeKey(publicKey),
  };
}

/** The subjectAltName inside the extensionRequest attribute, if the CSR has one. */
function requestedAltNames(attributes: asn1js.AsnType | undefined): SubjectAltName[] {
  if (!isContextTag(attributes, 0) || !(attributes instanceof asn1js.Constructed)) return [];
  for (const attribute of attributes.valueBlock.value) {
    const [type, values] = elements(attribute, "CSR attribute");
    if (oid(type, "CSR attribute type") !== extensionRequestOid) continue;
    const [requested] = elements(values, "extensionRequest", true);
    const alternativeNames = readExtensions(requested, "requested extension")
      .find((e) => e.oid === extensionOids.subjectAltName);
    if (alternativeNames) return readSubjectAltNames(alternativeNames.value);
  }
  return [];
}
