// First boot without a keyboard: where the first passwords of the web `admin` and the CSTA `admin` come
// from (a flag, a systemd credential, or generated), and the console banner that shows a generated one.

import { join } from "node:path";

/** A first password and where it came from; `generated` ones are shown once to the administrator. */
export interface FirstPassword {
  password: string;
  source: "option" | "credential" | "generated";
}

// Letters and digits that cannot be mistaken for one another on a console (no 0/O, 1/l/I).
const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/** A random password of `length` characters from an unambiguous alphabet (16 give about 93 bits). */
export function generatePassword(length = 16): string {
  const out: string[] = [];
  // Rejection sampling keeps every character equally likely (256 is not a multiple of 56).
  const limit = 256 - (256 % alphabet.length);
  while (out.length < length) {
    for (const byte of crypto.getRandomValues(new Uint8Array(length * 2))) {
      if (byte < limit && out.length < length) out.push(alphabet[byte % alphabet.length]);
    }
  }
  return out.join("");
}

/**
 * A systemd credential (`LoadCredential=` / `SetCredential=`, systemd.exec(5)): the file named `name` in
 * $CREDENTIALS_DIRECTORY, without a final newline; undefined when absent or empty.
 */
export async function readCredential(
  name: string,
  env: (name: string) => string | undefined = Deno.env.get,
): Promise<string | undefined> {
  const directory = env("CREDENTIALS_DIRECTORY");
  if (!directory) return undefined;
  try {
    const value = (await Deno.readTextFile(join(directory, name))).replace(/\r?\n$/, "");
    return value === "" ? undefined : value;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/**
 * The first password for an account: the option, else the credential (`NAME`, or `cstabox_NAME` as the
 * appliance unit's `LoadCredential=cstabox:/etc/cstabox/credentials` names the files of that directory),
 * else a generated one.
 */
export async function firstPassword(
  option: string | undefined,
  credential: string,
  env?: (name: string) => string | undefined,
): Promise<FirstPassword> {
  if (option !== undefined && option !== "") return { password: option, source: "option" };
  for (const name of [credential, `cstabox_${credential}`]) {
    const fromCredential = await readCredential(name, env);
    if (fromCredential !== undefined) return { password: fromCredential, source: "credential" };
  }
  return { password: generatePassword(), source: "generated" };
}

/**
 * The console login banner (agetty shows /etc/issue.d/*.issue): how to reach the web UI, and the
 * generated first passwords until the web admin has chosen their own. `\4` is agetty's escape for the
 * box's IPv4 address (agetty(8)); a literal backslash is doubled.
 */
export function consoleBanner(options: {
  version: string;
  httpsPort: number;
  passwords: { account: string; password: string }[];
}): string {
  const lines = [
    `cstabox ${options.version}: open https://\\4:${options.httpsPort}/ in a browser (web UI).`,
    ...options.passwords.map((p) =>
      `  first password of ${p.account}: ${p.password.replaceAll("\\", "\\\\")}`
    ),
    ...(options.passwords.length
      ? ["  (shown until the web admin has changed the password at the first login)"]
      : []),
    "",
  ];
  return lines.join("\n") + "\n";
}
