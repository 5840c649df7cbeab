import assert from "node:assert/strict";
import fc from "fast-check";
import { rc2CbcDecrypt, Rc2PaddingError } from "../../../src/tls/rc2.ts";
import { OpensslWorkspace } from "./openssl_ca.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

Deno.test("rc2CbcDecrypt reverses openssl's rc2-40-cbc and rc2-cbc (128-bit) for random keys and texts", async () => {
  const w = await OpensslWorkspace.create();
  try {
    const samples = fc.sample(
      fc.record({
        bits: fc.constantFrom(40, 128),
        key: fc.uint8Array({ minLength: 16, maxLength: 16 }),
        iv: fc.uint8Array({ minLength: 8, maxLength: 8 }),
        text: fc.uint8Array({ minLength: 0, maxLength: 70 }),
      }),
      12,
    );
    for (const { bits, key: fullKey, iv, text } of samples) {
      const key = fullKey.subarray(0, bits / 8);
      const cipher = bits === 40 ? "-rc2-40-cbc" : "-rc2-cbc";
      const encrypted = await w.runBytes(
        ["enc", cipher, "-provider", "legacy", "-provider", "default", "-K", hex(key), "-iv", hex(iv)],
        text,
      );
      assert.deepEqual(rc2CbcDecrypt(key, bits, iv, encrypted), text);
    }
  } finally {
    await w.cleanup();
  }
});

Deno.test("rc2CbcDecrypt reports bad padding, which is what a wrong password produces", () => {
  const key = new Uint8Array([1, 2, 3, 4, 5]);
  const iv = new Uint8Array(8);
  // Blocks this key did not encrypt seldom end in valid padding (about 1 in 256 does by chance).
  let refused = 0;
  for (let i = 0; i < 16; i++) {
    try {
      rc2CbcDecrypt(key, 40, iv, new Uint8Array(8).fill(i));
    } catch (error) {
      assert.ok(error instanceof Rc2PaddingError);
      refused++;
    }
  }
  assert.ok(refused >= 12, `only ${refused} of 16 random blocks were refused`);
  assert.throws(() => rc2CbcDecrypt(key, 40, iv, new Uint8Array(7)), Rc2PaddingError);
});
