// Decrypts password-protected content named by an AlgorithmIdentifier: PBES2 (PBKDF2 + AES or 3DES, what
// OpenSSL 3 and current Windows write) and the legacy PKCS#12 PBEs (3DES, RC2). Used for encrypted
// PKCS#8 keys and for the encrypted parts of a .p12/.pfx.

import * as asn1js from "asn1js";
import { createDecipheriv, pbkdf2 } from "node:crypto";
import { Asn1ShapeError, elements, octets, oid, smallInteger } from "./asn1_tree.ts";
import { bmpPassword, type Pkcs12Hash, pkcs12Kdf } from "./pkcs12_kdf.ts";
import { rc2CbcDecrypt, Rc2PaddingError } from "./rc2.ts";

/** The password did not decrypt the content (padding check failed). */
export class WrongPasswordError extends Error {
  override readonly name = "WrongPasswordError";
  constructor(readonly what: string) {
    super(`${what}: wrong password (the content does not decrypt)`);
  }
}

/** The content is encrypted with an algorithm cstabox does not implement. */
export class UnsupportedEncryptionError extends Error {
  override readonly name = "UnsupportedEncryptionError";
  constructor(readonly what: string, readonly algorithm: string) {
    super(`${what}: encryption ${algorithm} is not supported`);
  }
}

/**
 * Iteration counts above this are refused: the derivation runs on the appliance's CPU, and a hostile
 * file could ask for billions. Real files use 2,000 to 600,000.
 */
export const maxIterations = 10_000_000;

const oids = {
  pbes2: "1.2.840.113549.1.5.13",
  pbkdf2: "1.2.840.113549.1.5.12",
  pbeSha1Rc4_128: "1.2.840.113549.1.12.1.1",
  pbeSha1Rc4_40: "1.2.840.113549.1.12.1.2",
  pbeSha1Des3: "1.2.840.113549.1.12.1.3",
  pbeSha1Des2: "1.2.840.113549.1.12.1.4",
  pbeSha1Rc2_128: "1.2.840.113549.1.12.1.5",
  pbeSha1Rc2_40: "1.2.840.113549.1.12.1.6",
};

const pbkdf2Prfs: Record<string, string> = {
  "1.2.840.113549.2.7": "sha1",
  "1.2.840.113549.2.8": "sha224",
  "1.2.840.113549.2.9": "sha256",
  "1.2.840.113549.2.10": "sha384",
  "1.2.840.113549.2.11": "sha512",
};

const pbes2Ciphers: Record<string, { name: string; keyBytes: number }> = {
  "2.16.840.1.101.3.4.1.2": { name: "aes-128-cbc", keyBytes: 16 },
  "2.16.840.1.101.3.4.1.22": { name: "aes-192-cbc", keyBytes: 24 },
  "2.16.840.1.101.3.4.1.42": { name: "aes-256-cbc", keyBytes: 32 },
  "1.2.840.113549.3.7": { name: "des-ede3-cbc", keyBytes: 24 },
};

const algorithmNames: Record<string, string> = {
  [oids.pbeSha1Rc4_128]: "pbeWithSHAAnd128BitRC4",
  [oids.pbeSha1Rc4_40]: "pbeWithSHAAnd40BitRC4",
  "1.2.840.113549.1.5.1": "pbeWithMD2AndDES-CBC",
  "1.2.840.113549.1.5.3": "pbeWithMD5AndDES-CBC",
  "1.2.840.113549.1.5.10": "pbeWithSHA1AndDES-CBC",
};

/** How the password is turned into bytes differs by scheme, so callers pass the text. */
export async function decryptWithPassword(
  algorithm: asn1js.AsnType,
  ciphertext: Uint8Array,
  password: string,
  what: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const [algorithmOid, parameters] = elements(algorithm, `${what} algorithm`);
  const id = oid(algorithmOid, `${what} algorithm`);
  if (id === oids.pbes2) return await decryptPbes2(parameters, ciphertext, password, what);
  const legacy = legacyPkcs12Cipher(id);
  if (legacy) return decryptPkcs12Pbe(legacy, parameters, ciphertext, password, what);
  throw new UnsupportedEncryptionError(what, algorithmNames[id] ?? id);
}

async function decryptPbes2(
  parameters: asn1js.AsnType | undefined,
  ciphertext: Uint8Array,
  password: string,
  what: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const [kdf, scheme] = elements(parameters, `${what} PBES2 parameters`);
  const [kdfOid, kdfParameters] = elements(kdf, `${what} key derivation`);
  const kdfId = oid(kdfOid, `${what} key derivation`);
  if (kdfId !== oids.pbkdf2) throw new UnsupportedEncryptionError(what, `PBES2 key derivation ${kdfId}`);
  const [saltNode, iterationsNode, ...rest] = elements(kdfParameters, `${what} PBKDF2 parameters`);
  const salt = octets(saltNode, `${what} PBKDF2 salt`);
  const iterations = checkedIterations(smallInteger(iterationsNode, `${what} PBKDF2 iterations`), what);
  // keyLength INTEGER OPTIONAL, then prf AlgorithmIdentifier DEFAULT hmacWithSHA1.
  const prfNode = rest.find((node) => node instanceof asn1js.Sequence);
  const prfId = prfNode
    ? oid(elements(prfNode, `${what} PBKDF2 prf`)[0], `${what} PBKDF2 prf`)
    : "1.2.840.113549.2.7";
  const prf = pbkdf2Prfs[prfId];
  if (!prf) throw new UnsupportedEncryptionError(what, `PBKDF2 prf ${prfId}`);

  const [cipherOid, ivNode] = elements(scheme, `${what} encryption scheme`);
  const cipherId = oid(cipherOid, `${what} encryption scheme`);
  const cipher = pbes2Ciphers[cipherId];
  if (!cipher) throw new UnsupportedEncryptionError(what, `PBES2 cipher ${cipherId}`);
  const iv = octets(ivNode, `${what} IV`);

  // OpenSSL, Windows and Java all feed PBKDF2 the UTF-8 bytes of the password (not the BMP form).
  const key = await new Promise<Uint8Array>((resolve, reject) =>
    pbkdf2(new TextEncoder().encode(password), salt, iterations, cipher.keyBytes, prf, (error, derived) => {
      if (error) reject(error);
      else resolve(derived);
    })
  );
  return decipher(cipher.name, key, iv, ciphertext, what);
}

interface LegacyCipher {
  kind: "3des" | "rc2";
  keyBytes: number;
  effectiveBits: number;
}

function legacyPkcs12Cipher(id: string): LegacyCipher | undefined {
  switch (id) {
    case oids.pbeSha1Des3:
      return { kind: "3des", keyBytes: 24, effectiveBits: 192 };
    case oids.pbeSha1Des2:
      return { kind: "3des", keyBytes: 16, effectiveBits: 128 };
    case oids.pbeSha1Rc2_128:
      return { kind: "rc2", keyBytes: 16, effectiveBits: 128 };
    case oids.pbeSha1Rc2_40:
      return { kind: "rc2", keyBytes: 5, effectiveBits: 40 };
  }
  return undefined;
}

function decryptPkcs12Pbe(
  cipher: LegacyCipher,
  parameters: asn1js.AsnType | undefined,
  ciphertext: Uint8Array,
  password: string,
  what: string,
): Uint8Array<ArrayBuffer> {
  const [saltNode, iterationsNode] = elements(parameters, `${what} PKCS#12 PBE parameters`);
  const salt = octets(saltNode, `${what} PBE salt`);
  const iterations = checkedIterations(smallInteger(iterationsNode, `${what} PBE iterations`), what);
  const hash: Pkcs12Hash = "sha1";
  const secret = bmpPassword(password);
  const key = pkcs12Kdf(hash, secret, salt, iterations, "key", cipher.keyBytes);
  const iv = pkcs12Kdf(hash, secret, salt, iterations, "iv", 8);
  if (cipher.kind === "rc2") {
    try {
      return rc2CbcDecrypt(key, cipher.effectiveBits, iv, ciphertext);
    } catch (error) {
      if (error instanceof Rc2PaddingError) throw new WrongPasswordError(what);
      throw error;
    }
  }
  // Two-key 3DES is K1 K2 K1.
  const desKey = cipher.keyBytes === 24 ? key : new Uint8Array([...key, ...key.subarray(0, 8)]);
  return decipher("des-ede3-cbc", desKey, iv, ciphertext, what);
}

function decipher(
  name: string,
  key: Uint8Array,
  iv: Uint8Array,
  ciphertext: Uint8Array,
  what: string,
): Uint8Array<ArrayBuffer> {
  let first: Uint8Array;
  let last: Uint8Array;
  try {
    const d = createDecipheriv(name, key, iv);
    first = d.update(ciphertext);
    last = d.final();
  } catch {
    throw new WrongPasswordError(what);
  }
  const out = new Uint8Array(first.length + last.length);
  out.set(first);
  out.set(last, first.length);
  return out;
}

function checkedIterations(iterations: number, what: string): number {
  if (iterations < 1) throw new Asn1ShapeError(`${what} iterations`, "must be at least 1");
  if (iterations > maxIterations) {
    throw new UnsupportedEncryptionError(what, `${iterations} iterations (at most ${maxIterations} allowed)`);
  }
  return iterations;
}
