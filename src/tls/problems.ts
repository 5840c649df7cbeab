// The reasons a certificate, key or file is refused (or merely warned about), each a stable code plus
// plain words for the administrator. Every check reports into a list, so one answer names every problem.

/** Why an import, a signed certificate or a rollback is refused. */
export type RefusalCode =
  | "too_large"
  | "pem_malformed"
  | "certificate_missing"
  | "certificate_unreadable"
  | "key_missing"
  | "key_passphrase_required"
  | "key_passphrase_wrong"
  | "key_encryption_unsupported"
  | "key_unreadable"
  | "key_unsupported"
  | "key_too_weak"
  | "key_mismatch"
  | "not_yet_valid"
  | "expired"
  | "leaf_is_ca"
  | "key_usage"
  | "extended_key_usage"
  | "chain_order"
  | "chain_link"
  | "chain_signature"
  | "chain_not_ca"
  | "chain_not_yet_valid"
  | "chain_expired"
  | "pkcs12_malformed"
  | "pkcs12_password_wrong"
  | "pkcs12_unsupported"
  | "pkcs12_no_key"
  | "pkcs12_no_certificate"
  | "csr_invalid"
  | "no_pending_csr"
  | "no_previous"
  | "tls_stack_refused";

/** What is worth telling the administrator but does not stop a certificate from being used. */
export type WarningCode =
  | "names_not_covered"
  | "no_subject_alt_name"
  | "expires_soon"
  | "weak_signature"
  | "issuer_not_included"
  | "pkcs12_extra_certificates";

export interface Problem<C extends string = RefusalCode | WarningCode> {
  code: C;
  /** Plain words: what is wrong and, where it helps, what to do. */
  message: string;
  /** Which certificate it is about: 0 is the server certificate, 1… the chain in the order given. */
  certificate?: { index: number; subject: string };
}

export type Refusal = Problem<RefusalCode>;
export type Warning = Problem<WarningCode>;

/** A file, key or certificate the administrator supplied cannot be used; carries every reason found. */
export class TlsRefusedError extends Error {
  override readonly name = "TlsRefusedError";
  constructor(readonly reasons: Refusal[], readonly warnings: Warning[] = []) {
    super(reasons.map((r) => r.message).join("; "));
  }
}

export function refusal(code: RefusalCode, message: string, certificate?: Problem["certificate"]): Refusal {
  return certificate ? { code, message, certificate } : { code, message };
}

export function warning(code: WarningCode, message: string, certificate?: Problem["certificate"]): Warning {
  return certificate ? { code, message, certificate } : { code, message };
}
