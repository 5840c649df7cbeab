// Private keys as administrators bring them (PKCS#8, SEC1 "EC", PKCS#1 "RSA", encrypted PKCS#8, traditional
// encrypted PEM), turned into one form: an unencrypted PKCS#8 PEM for the TLS stack, plus the key object.

import { Buffer } from "node:buffer";
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { Asn1ShapeError, decodeBer, elements, octets } from "./asn1_tree.ts";
import {
  decryptWithPassword,
  UnsupportedEncryptionError,
  WrongPasswordError,
} from "./password_decryption.ts";
import { blockToPem, encodePem, parsePem, type PemBlock, PemError } from "./pem.ts";
import { type Refusal, refusal, TlsRefusedError } from "./problems.ts";
import { errorText } from "../log/error_text.ts";

/** A private key ready for the TLS stack; never logged, never sent in an API answer. */
export interface PrivateKeyMaterial {
  keyObject: KeyObject;
  /** Unencrypted PKCS#8 PEM, the one form both `Deno.listenTls` and `node:tls` accept. */
  pkcs8Pem: string;
  /** For status and messages, e.g. `EC P-256`, `RSA 2048`, `Ed25519`. */
  description: string;
}

const keyLabels = ["PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"];
const unsupportedLabels: Record<string, string> = {
  "DSA PRIVATE KEY": "DSA keys cannot be used for TLS servers any more; use an EC or RSA key",
  "OPENSSH PRIVATE KEY": "this is an OpenSSH key; convert it with `ssh-keygen -p -m PKCS8 -f FILE` first",
};

/**
 * Reads the one private key in `text` (other blocks, e.g. certificates, are ignored). Throws
 * `TlsRefusedError` with the reason when there is no key, it needs a passphrase, or it cannot be read.
 */
export async function readPrivateKeyPem(text: string, passphrase?: string): Promise<PrivateKeyMaterial> {
  let blocks: PemBlock[];
  try {
    blocks = parsePem(text);
  } catch (error) {
    if (error instanceof PemError) throw refuse("pem_malformed", `private key: ${error.message}`);
    throw error;
  }
  for (const block of blocks) {
    if (unsupportedLabels[block.label]) throw refuse("key_unsupported", unsupportedLabels[block.label]);
  }
  const keys = blocks.filter((block) => keyLabels.includes(block.label));
  if (keys.length === 0) {
    throw refuse("key_missing", 'no private key found (expected a "BEGIN PRIVATE KEY" block)');
  }
  if (keys.length > 1) throw refuse("key_unreadable", `${keys.length} private keys found; give exactly one`);
  const block = keys[0];
  if (block.label === "ENCRYPTED PRIVATE KEY") {
    return await readEncryptedPkcs8(block.der, requirePassphrase(passphrase), "private key");
  }
  if (block.label === "PRIVATE KEY") return privateKeyFromPkcs8(block.der);
  return readTraditional(block, passphrase);
}

function requirePassphrase(passphrase: string | undefined): string {
  if (passphrase === undefined || passphrase === "") {
    throw refuse("key_passphrase_required", "the private key is encrypted; give its passphrase");
  }
  return passphrase;
}

/** Decrypts an EncryptedPrivateKeyInfo (RFC 5958): an "ENCRYPTED PRIVATE KEY" or a PKCS#12 shrouded key bag. */
export async function readEncryptedPkcs8(
  der: Uint8Array,
  password: string,
  what: string,
): Promise<PrivateKeyMaterial> {
  let plain: Uint8Array;
  try {
    const [algorithm, data] = elements(decodeBer(der, what), what);
    plain = await decryptWithPassword(algorithm, octets(data, `${what} encrypted data`), password, what);
  } catch (error) {
    if (error instanceof WrongPasswordError) {
      throw refuse("key_passphrase_wrong", `${what}: the passphrase is wrong (the key does not decrypt)`);
    }
    if (error instanceof UnsupportedEncryptionError) {
      throw refuse("key_encryption_unsupported", error.message);
    }
    if (error instanceof Asn1ShapeError) throw refuse("key_unreadable", error.message);
    throw error;
  }
  try {
    return privateKeyFromPkcs8(plain);
  } catch (error) {
    // CBC padding lets about 1 in 256 wrong passwords through; the key structure then does not parse.
    if (error instanceof TlsRefusedError) {
      throw refuse("key_passphrase_wrong", `${what}: the passphrase is wrong (the key does not decrypt)`);
    }
    throw error;
  }
}

/** An unencrypted PKCS#8 PrivateKeyInfo. */
export function privateKeyFromPkcs8(der: Uint8Array): PrivateKeyMaterial {
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey({ key: Buffer.from(der), format: "der", type: "pkcs8" });
  } catch (error) {
    throw refuse("key_unreadable", `the private key cannot be read: ${errorText(error)}`);
  }
  return material(keyObject);
}

function readTraditional(block: PemBlock, passphrase: string | undefined): PrivateKeyMaterial {
  const encrypted = (block.headers["Proc-Type"] ?? "").includes("ENCRYPTED");
  const secret = encrypted ? requirePassphrase(passphrase) : undefined;
  try {
    return material(createPrivateKey({ key: blockToPem(block), format: "pem", passphrase: secret }));
  } catch (error) {
    const message = errorText(error);
    if (encrypted && /bad decrypt/i.test(message)) {
      throw refuse("key_passphrase_wrong", "private key: the passphrase is wrong (the key does not decrypt)");
    }
    if (encrypted && /unsupported/i.test(message)) {
      const cipher = block.headers["DEK-Info"]?.split(",")[0] ?? "unknown";
      throw refuse("key_encryption_unsupported", `private key: encryption ${cipher} is not supported`);
    }
    throw refuse("key_unreadable", `the private key cannot be read: ${message}`);
  }
}

function material(keyObject: KeyObject): PrivateKeyMaterial {
  const pkcs8 = keyObject.export({ type: "pkcs8", format: "der" });
  return { keyObject, pkcs8Pem: encodePem("PRIVATE KEY", pkcs8), description: describeKey(keyObject) };
}

const curveNames: Record<string, string> = {
  prime256v1: "P-256",
  "P-256": "P-256",
  secp256r1: "P-256",
  secp384r1: "P-384",
  "P-384": "P-384",
  secp521r1: "P-521",
  "P-521": "P-521",
};

/** A short human name of the key type and size. */
export function describeKey(key: KeyObject): string {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case "ec":
      return `EC ${curveNames[details.namedCurve ?? ""] ?? details.namedCurve ?? "unknown curve"}`;
    case "rsa":
      return `RSA ${details.modulusLength ?? "?"}`;
    case "rsa-pss":
      return `RSA-PSS ${details.modulusLength ?? "?"}`;
    case "ed25519":
      return "Ed25519";
    default:
      return key.asymmetricKeyType?.toUpperCase() ?? "unknown";
  }
}

/** Whether the TLS stack can serve with this key: EC P-256/P-384/P-521, RSA of 2048 bits or more, Ed25519. */
export function keySuitability(key: KeyObject): Refusal | undefined {
  const description = describeKey(key);
  switch (key.asymmetricKeyType) {
    case "ec":
      return ["EC P-256", "EC P-384", "EC P-521"].includes(description)
        ? undefined
        : refusal("key_unsupported", `${description} keys are not supported; use P-256, P-384 or RSA`);
    case "rsa": {
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      return bits >= 2048 ? undefined : refusal(
        "key_too_weak",
        `an RSA key of ${bits} bits is too weak; TLS clients need 2048 bits or more`,
      );
    }
    case "ed25519":
      return undefined;
    default:
      return refusal(
        "key_unsupported",
        `${description} keys are not supported; use an EC (P-256) or RSA key`,
      );
  }
}

/** Whether `key` is the private half of the public key `spkiDer` (compared in one normalised encoding). */
export function publicKeyMatches(key: KeyObject, spkiDer: Uint8Array): boolean {
  const fromKey = createPublicKey(key).export({ type: "spki", format: "der" });
  let fromCertificate: Uint8Array;
  try {
    fromCertificate = createPublicKey({ key: Buffer.from(spkiDer), format: "der", type: "spki" })
      .export({ type: "spki", format: "der" });
  } catch {
    return false;
  }
  return fromKey.length === fromCertificate.length && fromKey.every((byte, i) => byte === fromCertificate[i]);
}

function refuse(code: Refusal["code"], message: string): TlsRefusedError {
  return new TlsRefusedError([refusal(code, message)]);
}
