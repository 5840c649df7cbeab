// The vendor's licence tool: issues signed licence keys from the private key file, or makes a new key pair.
//
//   deno run --allow-read scripts/licence.ts --key FILE --lines N --customer NAME [--expires YYYY-MM-DD] [--id ID]
//   deno run --allow-read --allow-write scripts/licence.ts --new-key-pair FILE

import { parseArgs } from "node:util";
import {
  exportLicencePublicKey,
  generateLicenceKeyPair,
  importLicencePrivateKey,
  issueLicenceKey,
  newLicenceId,
} from "../src/licensing/licence_issuer.ts";
import { licenceStatementSchema } from "../src/licensing/licence_key.ts";
import { errorText } from "../src/log/error_text.ts";

const USAGE = `usage:
  licence.ts --key FILE --lines N --customer NAME [--expires YYYY-MM-DD] [--id ID] [--issued YYYY-MM-DD]
      prints a licence key signed with the PKCS#8 Ed25519 private key in FILE
  licence.ts --new-key-pair FILE
      writes a new private key to FILE (mode 0600, refuses to overwrite) and prints the public key
      for src/licensing/vendor_public_key.ts`;

/** Runs the tool with command-line arguments; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        key: { type: "string" },
        lines: { type: "string" },
        customer: { type: "string" },
        expires: { type: "string" },
        issued: { type: "string" },
        id: { type: "string" },
        "new-key-pair": { type: "string" },
        help: { type: "boolean" },
      },
      strict: true,
    }));
  } catch (error) {
    console.error(`${errorText(error)}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values["new-key-pair"]) return await writeKeyPair(values["new-key-pair"]);
  if (!values.key || !values.lines || !values.customer) {
    console.error(`--key, --lines and --customer are required\n${USAGE}`);
    return 2;
  }
  const statement = licenceStatementSchema.safeParse({
    v: 1,
    id: values.id ?? newLicenceId(),
    customer: values.customer,
    lines: /^\d+$/.test(values.lines) ? Number(values.lines) : NaN,
    issued: values.issued ?? new Date().toISOString().slice(0, 10),
    ...(values.expires ? { expires: values.expires } : {}),
  });
  if (!statement.success) {
    for (const issue of statement.error.issues) console.error(`${issue.path.join(".")}: ${issue.message}`);
    return 2;
  }
  if (statement.data.expires && statement.data.expires < statement.data.issued) {
    console.error("expires: before the issue date");
    return 2;
  }
  const privateKey = await importLicencePrivateKey(await Deno.readFile(values.key));
  console.log(await issueLicenceKey(privateKey, statement.data));
  return 0;
}

async function writeKeyPair(path: string): Promise<number> {
  const pair = await generateLicenceKeyPair();
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  try {
    await Deno.writeFile(path, pkcs8, { mode: 0o600, createNew: true });
  } catch (error) {
    console.error(`cannot write ${path}: ${errorText(error)}`);
    return 1;
  }
  await Deno.chmod(path, 0o600);
  console.log(`private key written to ${path}; keep it secret and backed up`);
  console.log(`public key (VENDOR_PUBLIC_KEY): ${await exportLicencePublicKey(pair.publicKey)}`);
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
