// Finds weak passwords already in place (set before the rules refused them, e.g. CSTA admin/admin of an
// older installation) by trying the few likeliest guesses against each stored hash, so the dashboard can
// flag them until they are changed. A user is checked again only after its password changed: each guess
// costs one password hash (about 80 ms), about 0.6 s per user.

import type { CstaUsers } from "./csta_users.ts";
import { likelyPasswords } from "./weak_passwords.ts";
import type { WebUsers } from "./web_users.ts";

export interface WeakCredential {
  kind: "CSTA user" | "web user";
  user: string;
}

export class WeakCredentialAudit {
  #o: { cstaUsers: CstaUsers; webUsers: WebUsers };
  /** By `kind user`: the password's stamp when checked, and whether it was weak. */
  #checked = new Map<string, { stamp: string; weak: boolean }>();
  #running?: Promise<void>;

  constructor(options: { cstaUsers: CstaUsers; webUsers: WebUsers }) {
    this.#o = options;
  }

  /** Checks every user whose password changed since its last check; one run at a time. */
  run(): Promise<void> {
    this.#running ??= this.#run().finally(() => (this.#running = undefined));
    return this.#running;
  }

  findings(): WeakCredential[] {
    return [...this.#checked].filter(([, c]) => c.weak).map(([key]) => {
      const [kind, user] = key.split("\n") as [WeakCredential["kind"], string];
      return { kind, user };
    });
  }

  async #run(): Promise<void> {
    const seen = new Set<string>();
    for (const user of this.#o.cstaUsers.list()) {
      const key = `CSTA user\n${user.name}`;
      seen.add(key);
      await this.#check(
        key,
        user.updatedAt,
        (guess) => this.#o.cstaUsers.verify(user.name, guess),
        user.name,
      );
    }
    const generation = String(this.#o.webUsers.generation);
    for (const user of this.#o.webUsers.list()) {
      // A first password still to be changed is forced to change at login already.
      if (user.mustChangePassword) continue;
      const key = `web user\n${user.name}`;
      seen.add(key);
      await this.#check(
        key,
        generation,
        async (guess) => (await this.#o.webUsers.authenticate(user.name, guess)) !== undefined,
        user.name,
      );
    }
    for (const key of this.#checked.keys()) if (!seen.has(key)) this.#checked.delete(key);
  }

  async #check(key: string, stamp: string, verify: (guess: string) => Promise<boolean>, user: string) {
    if (this.#checked.get(key)?.stamp === stamp) return;
    let weak = false;
    for (const guess of likelyPasswords(user)) {
      if (await verify(guess)) {
        weak = true;
        break;
      }
    }
    this.#checked.set(key, { stamp, weak });
  }
}
