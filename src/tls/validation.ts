// The checks a certificate, its chain and its key pass before cstabox serves them: every failing check
// becomes a refusal with its reason, so the administrator sees all problems at once, not one per attempt.

import {
  extendedKeyUsageName,
  extendedKeyUsageOids,
  isSignedBy,
  type ParsedCertificate,
} from "./certificate.ts";
import { assessExpiry, defaultWarningDays } from "./expiry.ts";
import { type NameCoverage, nameCoverage } from "./name_coverage.ts";
import { keySuitability, type PrivateKeyMaterial, publicKeyMatches } from "./private_key.ts";
import { type Problem, type Refusal, refusal, type Warning, warning } from "./problems.ts";
import { KeyUsage } from "./x509_extensions.ts";
import { errorText } from "../log/error_text.ts";

export interface ValidationInput {
  /** The server certificate first, then the chain in the order given. At least one. */
  certificates: ParsedCertificate[];
  /** The private key; undefined when it could not be read (that refusal is reported by the reader). */
  key: PrivateKeyMaterial | undefined;
  now: number;
  /** The appliance's names the server certificate should cover (see `namesToCover`). */
  names: string[];
  warningDays?: number;
}

export interface ValidationReport {
  refusals: Refusal[];
  warnings: Warning[];
  coverage: NameCoverage[];
}

/** Runs every check; the certificate may be used only when `refusals` is empty. */
export function validateServerCertificate(input: ValidationInput): ValidationReport {
  const refusals: Refusal[] = [];
  const warnings: Warning[] = [];
  const [leaf] = input.certificates;
  if (!leaf) {
    return { refusals: [refusal("certificate_missing", "no certificate given")], warnings, coverage: [] };
  }
  checkKey(leaf, input.key, refusals);
  checkLeaf(leaf, input, refusals, warnings);
  checkChain(input.certificates, input.now, refusals, warnings);
  const coverage = nameCoverage(leaf.subjectAltNames, input.names);
  checkNames(leaf, coverage, warnings);
  return { refusals, warnings, coverage };
}

function ref(certificates: ParsedCertificate[] | ParsedCertificate, index: number): Problem["certificate"] {
  const cert = Array.isArray(certificates) ? certificates[index] : certificates;
  return { index, subject: cert.subject };
}

function label(index: number): string {
  return index === 0 ? "the server certificate" : `chain certificate ${index}`;
}

function checkKey(leaf: ParsedCertificate, key: PrivateKeyMaterial | undefined, refusals: Refusal[]): void {
  if (!key) return;
  const unsuitable = keySuitability(key.keyObject);
  if (unsuitable) refusals.push(unsuitable);
  if (!publicKeyMatches(key.keyObject, leaf.spkiDer)) {
    refusals.push(refusal(
      "key_mismatch",
      `the private key (${key.description}) does not belong to the server certificate (whose key is ${leaf.keyDescription})`,
      ref(leaf, 0),
    ));
  }
}

function checkLeaf(
  leaf: ParsedCertificate,
  input: ValidationInput,
  refusals: Refusal[],
  warnings: Warning[],
): void {
  const at = ref(leaf, 0);
  const expiry = assessExpiry(
    leaf.notBefore,
    leaf.notAfter,
    input.now,
    input.warningDays ?? defaultWarningDays,
  );
  if (expiry.state === "expired") {
    refusals.push(refusal("expired", `the server certificate ${expiry.message}`, at));
  }
  if (expiry.state === "not_yet_valid") {
    refusals.push(refusal("not_yet_valid", `the server certificate is ${expiry.message}`, at));
  }
  if (expiry.state === "expires_soon") {
    warnings.push(warning("expires_soon", `the server certificate ${expiry.message}`, at));
  }

  if (leaf.isCa === true) {
    refusals.push(refusal(
      "leaf_is_ca",
      "the server certificate is a CA certificate (basicConstraints CA:TRUE); TLS clients refuse a CA certificate as a server certificate. Import the server certificate the CA issued",
      at,
    ));
  }
  if (leaf.keyUsage !== undefined && !(leaf.keyUsage & KeyUsage.digitalSignature)) {
    refusals.push(refusal(
      "key_usage",
      `the server certificate's key usage (${
        keyUsageNames(leaf.keyUsage)
      }) lacks digitalSignature; cstabox's TLS always uses ECDHE key exchange, in which the server signs with its key`,
      at,
    ));
  }
  const eku = leaf.extendedKeyUsage;
  if (
    eku !== undefined && !eku.includes(extendedKeyUsageOids.serverAuth) &&
    !eku.includes(extendedKeyUsageOids.any)
  ) {
    refusals.push(refusal(
      "extended_key_usage",
      `the server certificate's extended key usage (${
        eku.map(extendedKeyUsageName).join(", ") || "empty"
      }) lacks serverAuth (TLS Web Server Authentication); ask the CA for a server certificate`,
      at,
    ));
  }
  if (leaf.signatureHash && /^(SHA-1|MD5)$/i.test(leaf.signatureHash)) {
    warnings.push(
      warning(
        "weak_signature",
        `the server certificate is signed with ${leaf.signatureHash}; current browsers refuse it`,
        at,
      ),
    );
  }
}

function checkChain(
  certs: ParsedCertificate[],
  now: number,
  refusals: Refusal[],
  warnings: Warning[],
): void {
  for (let i = 1; i < certs.length; i++) {
    const child = certs[i - 1];
    const issuer = certs[i];
    const at = ref(certs, i);
    checkCaCertificate(issuer, i, now, refusals, warnings);
    if (child.issuer !== issuer.subject) {
      const realIssuer = certs.findIndex((c, j) => j !== i - 1 && c.subject === child.issuer);
      refusals.push(
        realIssuer >= 0
          ? refusal(
            "chain_order",
            `the chain is out of order: ${label(i - 1)} was issued by "${child.issuer}", which is ${
              label(realIssuer)
            }, not ${
              label(i)
            } ("${issuer.subject}"). Give the server certificate first, then each certificate's issuer`,
            at,
          )
          : refusal(
            "chain_link",
            `the chain does not link up: ${label(i - 1)} was issued by "${child.issuer}", but ${
              label(i)
            } is "${issuer.subject}"`,
            at,
          ),
      );
      continue;
    }
    checkSignature(child, issuer, i - 1, refusals, ref(certs, i - 1));
  }
  const last = certs[certs.length - 1];
  if (last.selfIssued) {
    checkSignature(last, last, certs.length - 1, refusals, ref(certs, certs.length - 1));
  } else if (certs.length === 1) {
    // With intermediates given, a missing root is normal (clients have it); without any, say so.
    warnings.push(warning(
      "issuer_not_included",
      `the issuing CA "${last.issuer}" is not included; fine when clients already trust it (a company root CA), otherwise add the intermediate certificates`,
      ref(certs, certs.length - 1),
    ));
  }
}

function checkCaCertificate(
  cert: ParsedCertificate,
  index: number,
  now: number,
  refusals: Refusal[],
  warnings: Warning[],
): void {
  const at = ref(cert, index);
  // A version 1 root (no extensions at all) predates basicConstraints and is still accepted as a CA.
  const legacyRoot = cert.selfIssued && cert.extensionCount === 0;
  if (cert.isCa !== true && !legacyRoot) {
    refusals.push(
      refusal(
        "chain_not_ca",
        `${label(index)} ("${cert.subject}") is not a CA certificate, so it cannot issue certificates`,
        at,
      ),
    );
  } else if (cert.keyUsage !== undefined && !(cert.keyUsage & KeyUsage.keyCertSign)) {
    refusals.push(
      refusal(
        "chain_not_ca",
        `${label(index)} ("${cert.subject}") may not sign certificates (key usage lacks keyCertSign)`,
        at,
      ),
    );
  }
  const expiry = assessExpiry(cert.notBefore, cert.notAfter, now);
  if (expiry.state === "expired") {
    refusals.push(refusal("chain_expired", `${label(index)} ("${cert.subject}") ${expiry.message}`, at));
  }
  if (expiry.state === "not_yet_valid") {
    refusals.push(
      refusal("chain_not_yet_valid", `${label(index)} ("${cert.subject}") is ${expiry.message}`, at),
    );
  }
  if (!cert.selfIssued && cert.signatureHash && /^(SHA-1|MD5)$/i.test(cert.signatureHash)) {
    warnings.push(
      warning(
        "weak_signature",
        `${label(index)} is signed with ${cert.signatureHash}; current browsers refuse it`,
        at,
      ),
    );
  }
}

function checkSignature(
  child: ParsedCertificate,
  issuer: ParsedCertificate,
  childIndex: number,
  refusals: Refusal[],
  at: Problem["certificate"],
): void {
  let valid: boolean;
  try {
    valid = isSignedBy(child, issuer);
  } catch (error) {
    refusals.push(refusal(
      "chain_signature",
      `the signature on ${label(childIndex)} (${child.signatureAlgorithm}) cannot be checked: ${
        errorText(error)
      }`,
      at,
    ));
    return;
  }
  if (!valid) {
    const by = child === issuer
      ? "its own key (it claims to be self-signed)"
      : `the key of "${issuer.subject}"`;
    refusals.push(
      refusal("chain_signature", `the signature on ${label(childIndex)} does not verify with ${by}`, at),
    );
  }
}

function checkNames(leaf: ParsedCertificate, coverage: NameCoverage[], warnings: Warning[]): void {
  const at = ref(leaf, 0);
  if (!leaf.subjectAltNames.some((san) => san.type === "dns" || san.type === "ip")) {
    warnings.push(warning(
      "no_subject_alt_name",
      "the server certificate has no subjectAltName; current TLS clients ignore the common name and will refuse it",
      at,
    ));
  }
  const missing = coverage.filter((c) => !c.covered).map((c) => c.name);
  if (missing.length > 0) {
    warnings.push(warning(
      "names_not_covered",
      `the server certificate does not cover ${missing.join(", ")}; clients that connect by ${
        missing.length === 1 ? "that name" : "those names"
      } will see a name mismatch`,
      at,
    ));
  }
}

const keyUsageNameList: [number, string][] = [
  [KeyUsage.digitalSignature, "digitalSignature"],
  [KeyUsage.nonRepudiation, "nonRepudiation"],
  [KeyUsage.keyEncipherment, "keyEncipherment"],
  [KeyUsage.dataEncipherment, "dataEncipherment"],
  [KeyUsage.keyAgreement, "keyAgreement"],
  [KeyUsage.keyCertSign, "keyCertSign"],
  [KeyUsage.cRLSign, "cRLSign"],
  [KeyUsage.encipherOnly, "encipherOnly"],
  [KeyUsage.decipherOnly, "decipherOnly"],
];

function keyUsageNames(bits: number): string {
  return keyUsageNameList.filter(([flag]) => bits & flag).map(([, name]) => name).join(", ") || "none";
}
