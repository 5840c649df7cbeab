// The certificate files in `<dataDir>/tls/`. Key and certificate chain live in ONE file per pair, so
// replacing a pair is one atomic rename and a crash can never pair a new certificate with an old key:
//   current.pem   private key + server certificate + chain (mode 0600), what the listeners serve
//   previous.pem  the pair before the last change, for rollback (mode 0600)
//   current.crt   the server certificate and chain only (mode 0644), a copy to hand to clients
//   pending.key   the key of an outstanding CSR (mode 0600), with pending.csr (mode 0644)
//   incoming.pem  exists only during a change; `recover()` completes or discards it after a crash

import { renameDurably, writeFileAtomic } from "../fs/atomic_file.ts";

export const secretFileMode = 0o600;
export const publicFileMode = 0o644;

export interface PendingCsrFiles {
  keyPem: string;
  csrPem: string;
  createdAt: Date | null;
}

const header = "cstabox TLS certificate pair: the private key, then the server certificate and its chain.\n" +
  "Secret: keep this file mode 0600 and out of backups you hand on.\n";

export class CertFiles {
  constructor(readonly dir: string) {}

  get currentPath(): string {
    return `${this.dir}/current.pem`;
  }
  get previousPath(): string {
    return `${this.dir}/previous.pem`;
  }
  get publicCopyPath(): string {
    return `${this.dir}/current.crt`;
  }
  get pendingKeyPath(): string {
    return `${this.dir}/pending.key`;
  }
  get pendingCsrPath(): string {
    return `${this.dir}/pending.csr`;
  }
  get #incomingPath(): string {
    return `${this.dir}/incoming.pem`;
  }

  /** Creates the directory (mode 0700) and settles a change a crash interrupted. */
  async prepare(): Promise<void> {
    await Deno.mkdir(this.dir, { recursive: true, mode: 0o700 });
    await this.#recover();
  }

  async #recover(): Promise<void> {
    if (!(await exists(this.#incomingPath))) return;
    if (await exists(this.currentPath)) {
      // Crashed before current.pem was moved aside: the change never happened; drop it.
      await Deno.remove(this.#incomingPath);
    } else {
      // Crashed between the two renames: current.pem is already previous.pem; finish the change.
      await renameDurably(this.#incomingPath, this.currentPath);
    }
  }

  /** The text of current.pem, or undefined on first start. */
  readCurrent(): Promise<string | undefined> {
    return readIfExists(this.currentPath);
  }

  readPrevious(): Promise<string | undefined> {
    return readIfExists(this.previousPath);
  }

  async currentModified(): Promise<Date | null> {
    try {
      return (await Deno.stat(this.currentPath)).mtime;
    } catch {
      return null;
    }
  }

  /** Makes `keyPem` + `certificatesPem` current; the pair that was current becomes previous. */
  async install(keyPem: string, certificatesPem: string): Promise<void> {
    await writeFileAtomic(this.#incomingPath, header + keyPem + certificatesPem, { mode: secretFileMode });
    if (await exists(this.currentPath)) await renameDurably(this.currentPath, this.previousPath);
    await renameDurably(this.#incomingPath, this.currentPath);
    await this.writePublicCopy(certificatesPem);
  }

  /** Rewrites current.crt when it differs (it is derived; current.pem is the truth). */
  async writePublicCopy(certificatesPem: string): Promise<void> {
    if ((await readIfExists(this.publicCopyPath)) === certificatesPem) return;
    await writeFileAtomic(this.publicCopyPath, certificatesPem, { mode: publicFileMode });
  }

  async writePending(keyPem: string, csrPem: string): Promise<void> {
    await writeFileAtomic(this.pendingKeyPath, keyPem, { mode: secretFileMode });
    await writeFileAtomic(this.pendingCsrPath, csrPem, { mode: publicFileMode });
  }

  async readPending(): Promise<PendingCsrFiles | undefined> {
    const keyPem = await readIfExists(this.pendingKeyPath);
    const csrPem = await readIfExists(this.pendingCsrPath);
    if (keyPem === undefined || csrPem === undefined) return undefined;
    let createdAt: Date | null = null;
    try {
      createdAt = (await Deno.stat(this.pendingKeyPath)).mtime;
    } catch {
      // Gone between the read and the stat: the time is only informative.
    }
    return { keyPem, csrPem, createdAt };
  }

  async clearPending(): Promise<void> {
    for (const path of [this.pendingKeyPath, this.pendingCsrPath]) {
      await Deno.remove(path).catch((error) => {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      });
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}
