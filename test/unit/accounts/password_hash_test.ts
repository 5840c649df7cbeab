import assert from "node:assert/strict";
import { hashPassword, verifyPassword } from "../../../src/accounts/password_hash.ts";

Deno.test("a password verifies against its own hash and no other password does", async () => {
  const stored = await hashPassword("correct horse", 1000);
  assert.equal(await verifyPassword("correct horse", stored), true);
  assert.equal(await verifyPassword("correct hors", stored), false);
  assert.equal(await verifyPassword("", stored), false);
});

Deno.test("the same password hashes differently each time (salted) and names its algorithm", async () => {
  const a = await hashPassword("admin", 1000);
  const b = await hashPassword("admin", 1000);
  assert.notEqual(a, b);
  assert.match(a, /^pbkdf2-sha256\$1000\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  assert.ok(!a.includes("admin"));
});

Deno.test("a malformed stored hash never verifies", async () => {
  for (const stored of ["", "plain", "md5$1$a$b", "pbkdf2-sha256$0$AA==$AA==", "pbkdf2-sha256$x$AA==$AA=="]) {
    assert.equal(await verifyPassword("admin", stored), false, stored);
  }
});
