// Reads a PKCS#12 file (.p12/.pfx, RFC 7292) in password integrity and privacy mode: checks the MAC,
// decrypts the key and certificate bags (PBES2 as OpenSSL 3 writes, or the legacy 3DES/RC2 of older exports).

import type * as asn1js from "asn1js";
import { createHmac, timingSafeEqual } from "node:crypto";
import {
  Asn1ShapeError,
  decodeBer,
  elements,
  encoded,
  explicit,
  implicitOctets,
  octets,
  oid,
  smallInteger,
} from "./asn1_tree.ts";
import {
  decryptWithPassword,
  UnsupportedEncryptionError,
  WrongPasswordError,
} from "./password_decryption.ts";
import { bmpPassword, type Pkcs12Hash, pkcs12Hashes, pkcs12Kdf } from "./pkcs12_kdf.ts";
import { privateKeyFromPkcs8, type PrivateKeyMaterial, readEncryptedPkcs8 } from "./private_key.ts";
import { type Refusal, refusal, TlsRefusedError } from "./problems.ts";

/** What a PKCS#12 file holds that cstabox uses: private keys and certificates (DER, in file order). */
export interface Pkcs12Contents {
  keys: PrivateKeyMaterial[];
  certificates: Uint8Array<ArrayBuffer>[];
}

const oids = {
  data: "1.2.840.113549.1.7.1",
  signedData: "1.2.840.113549.1.7.2",
  envelopedData: "1.2.840.113549.1.7.3",
  encryptedData: "1.2.840.113549.1.7.6",
  keyBag: "1.2.840.113549.1.12.10.1.1",
  shroudedKeyBag: "1.2.840.113549.1.12.10.1.2",
  certBag: "1.2.840.113549.1.12.10.1.3",
  safeContentsBag: "1.2.840.113549.1.12.10.1.6",
  x509Certificate: "1.2.840.113549.1.9.22.1",
  pbmac1: "1.2.840.113549.1.5.14",
};

const macHashes: Record<string, Pkcs12Hash> = {
  "1.3.14.3.2.26": "sha1",
  "2.16.840.1.101.3.4.2.4": "sha224",
  "2.16.840.1.101.3.4.2.1": "sha256",
  "2.16.840.1.101.3.4.2.2": "sha384",
  "2.16.840.1.101.3.4.2.3": "sha512",
};

/** Nested safeContents bags deeper than this are refused (real files use none). */
const maxBagDepth = 3;

/**
 * The keys and certificates in a PKCS#12 file. Throws `TlsRefusedError`: `pkcs12_password_wrong`,
 * `pkcs12_malformed`, `pkcs12_unsupported`. The caller bounds `data` in size.
 */
export async function readPkcs12(data: Uint8Array, password: string): Promise<Pkcs12Contents> {
  try {
    return await readPfx(data, password);
  } catch (error) {
    throw asRefusal(error);
  }
}

function asRefusal(error: unknown): TlsRefusedError {
  if (error instanceof TlsRefusedError) {
    const reason = error.reasons[0];
    if (reason?.code === "key_passphrase_wrong") return refuse("pkcs12_password_wrong", wrongPassword);
    return error;
  }
  if (error instanceof WrongPasswordError) return refuse("pkcs12_password_wrong", wrongPassword);
  if (error instanceof UnsupportedEncryptionError) return refuse("pkcs12_unsupported", error.message);
  if (error instanceof Asn1ShapeError) {
    return refuse("pkcs12_malformed", `not a readable PKCS#12 (.p12/.pfx) file: ${error.message}`);
  }
  throw error;
}

const wrongPassword = "the PKCS#12 password is wrong (or the file is damaged)";

async function readPfx(data: Uint8Array, password: string): Promise<Pkcs12Contents> {
  const [versionNode, authSafe, macData] = elements(decodeBer(data, "PFX"), "PFX");
  const version = smallInteger(versionNode, "PFX version");
  if (version !== 3) throw new Asn1ShapeError("PFX version", `version ${version}, expected 3`);
  const [contentTypeNode, content] = elements(authSafe, "PFX authSafe");
  const contentType = oid(contentTypeNode, "PFX authSafe content type");
  if (contentType === oids.signedData) {
    throw new UnsupportedEncryptionError("PFX", "public-key integrity mode (signed PKCS#12)");
  }
  if (contentType !== oids.data) throw new Asn1ShapeError("PFX authSafe", `content type ${contentType}`);
  const authSafeBytes = octets(explicit(content, 0, "PFX authSafe content"), "PFX authSafe content");
  if (macData) verifyMac(macData, authSafeBytes, password);

  const contents: Pkcs12Contents = { keys: [], certificates: [] };
  const safes = elements(decodeBer(authSafeBytes, "AuthenticatedSafe"), "AuthenticatedSafe");
  for (const [i, contentInfo] of safes.entries()) {
    const what = `AuthenticatedSafe part ${i + 1}`;
    const [typeNode, body] = elements(contentInfo, what);
    const type = oid(typeNode, `${what} content type`);
    if (type === oids.data) {
      await readSafeContents(octets(explicit(body, 0, what), what), password, contents, 0);
    } else if (type === oids.encryptedData) {
      await readSafeContents(
        await decryptEncryptedData(explicit(body, 0, what), password, what),
        password,
        contents,
        0,
      );
    } else if (type === oids.envelopedData) {
      throw new UnsupportedEncryptionError(what, "public-key privacy mode (enveloped PKCS#12)");
    } else {
      throw new Asn1ShapeError(what, `unknown content type ${type}`);
    }
  }
  return contents;
}

function verifyMac(macData: asn1js.AsnType, authSafeBytes: Uint8Array, password: string): void {
  const [digestInfo, saltNode, iterationsNode] = elements(macData, "PFX macData");
  const [algorithm, digestNode] = elements(digestInfo, "PFX MAC");
  const algorithmId = oid(elements(algorithm, "PFX MAC algorithm")[0], "PFX MAC algorithm");
  if (algorithmId === oids.pbmac1) throw new UnsupportedEncryptionError("PFX MAC", "PBMAC1 (RFC 9579)");
  const hash = macHashes[algorithmId];
  if (!hash) throw new UnsupportedEncryptionError("PFX MAC", `digest ${algorithmId}`);
  const expected = octets(digestNode, "PFX MAC digest");
  const salt = octets(saltNode, "PFX MAC salt");
  const iterations = iterationsNode ? smallInteger(iterationsNode, "PFX MAC iterations") : 1;
  if (iterations > 10_000_000) throw new UnsupportedEncryptionError("PFX MAC", `${iterations} iterations`);
  // OpenSSL also accepts an empty password given as no bytes at all rather than a lone terminator.
  const candidates = password === "" ? [bmpPassword(""), new Uint8Array(0)] : [bmpPassword(password)];
  for (const secret of candidates) {
    const key = pkcs12Kdf(hash, secret, salt, iterations, "mac", pkcs12Hashes[hash].outputBytes);
    const actual = createHmac(hash, key).update(authSafeBytes).digest();
    if (actual.length === expected.length && timingSafeEqual(actual, expected)) return;
  }
  throw new WrongPasswordError("PFX MAC");
}

async function decryptEncryptedData(
  encryptedData: asn1js.AsnType,
  password: string,
  what: string,
): Promise<Uint8Array> {
  const [, encryptedContentInfo] = elements(encryptedData, `${what} EncryptedData`);
  const [, algorithm, encryptedContent] = elements(encryptedContentInfo, `${what} EncryptedContentInfo`);
  const ciphertext = implicitOctets(encryptedContent, 0, `${what} encrypted content`);
  return await decryptWithPassword(algorithm, ciphertext, password, what);
}

async function readSafeContents(
  bytes: Uint8Array,
  password: string,
  contents: Pkcs12Contents,
  depth: number,
): Promise<void> {
  if (depth > maxBagDepth) throw new Asn1ShapeError("SafeContents", "nested too deeply");
  for (const [i, bag] of elements(decodeBer(bytes, "SafeContents"), "SafeContents").entries()) {
    const what = `SafeBag ${i + 1}`;
    const [bagIdNode, bagValueWrapper] = elements(bag, what);
    const bagId = oid(bagIdNode, `${what} type`);
    const bagValue = explicit(bagValueWrapper, 0, `${what} value`);
    switch (bagId) {
      case oids.keyBag:
        contents.keys.push(privateKeyFromPkcs8(encoded(bagValue)));
        break;
      case oids.shroudedKeyBag:
        contents.keys.push(await readEncryptedPkcs8(encoded(bagValue), password, "PKCS#12 key"));
        break;
      case oids.certBag: {
        const [certIdNode, certValue] = elements(bagValue, `${what} certificate`);
        // Only X.509 certificates; SDSI certificates do not occur in TLS files.
        if (oid(certIdNode, `${what} certificate type`) === oids.x509Certificate) {
          contents.certificates.push(
            octets(explicit(certValue, 0, `${what} certificate`), `${what} certificate`),
          );
        }
        break;
      }
      case oids.safeContentsBag:
        await readSafeContents(encoded(bagValue), password, contents, depth + 1);
        break;
      default:
        // CRL and secret bags carry nothing a TLS server needs.
        break;
    }
  }
}

function refuse(code: Refusal["code"], message: string): TlsRefusedError {
  return new TlsRefusedError([refusal(code, message)]);
}
