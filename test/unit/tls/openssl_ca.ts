// Test helper: makes keys, CAs, certificates and PKCS#12 files with the openssl command line in a
// temporary directory, so every test works on real, independently produced bytes (none are checked in).

export interface Issued {
  certPath: string;
  keyPath: string;
  certPem: string;
  keyPem: string;
}

export interface IssueOptions {
  /** Subject as openssl writes it, e.g. `/CN=box.example.com/O=Example`. */
  subject: string;
  /** Extension lines for the certificate (one `key = value` per entry). */
  extensions?: string[];
  /** `YYYYMMDDHHMMSSZ`; default now. */
  startDate?: string;
  /** `YYYYMMDDHHMMSSZ`; default `days` from now. */
  endDate?: string;
  days?: number;
  /** Key to certify; a new P-256 key by default. */
  keyPath?: string;
  /** An existing CSR to sign instead of making one. */
  csrPath?: string;
}

export const serverExtensions = [
  "basicConstraints = critical,CA:FALSE",
  "keyUsage = critical,digitalSignature",
  "extendedKeyUsage = serverAuth",
  "subjectAltName = DNS:localhost,IP:127.0.0.1",
];

export const caExtensions = [
  "basicConstraints = critical,CA:TRUE",
  "keyUsage = critical,keyCertSign,cRLSign",
  "subjectKeyIdentifier = hash",
];

/** Runs `body` with a fresh workspace and removes the workspace afterwards, whatever happens. */
export async function withOpenssl<T>(body: (w: OpensslWorkspace) => Promise<T>): Promise<T> {
  const w = await OpensslWorkspace.create();
  try {
    return await body(w);
  } finally {
    await w.cleanup();
  }
}

export class OpensslWorkspace {
  #counter = 0;
  private constructor(readonly dir: string) {}

  static async create(): Promise<OpensslWorkspace> {
    const dir = await Deno.makeTempDir({ prefix: "cstabox-tls-test-" });
    await Deno.writeTextFile(`${dir}/index.txt`, "");
    await Deno.writeTextFile(
      `${dir}/ca.cnf`,
      [
        "[ ca ]",
        "default_ca = test_ca",
        "[ test_ca ]",
        `database = ${dir}/index.txt`,
        `new_certs_dir = ${dir}`,
        `serial = ${dir}/serial`,
        "default_md = sha256",
        "policy = anything",
        "unique_subject = no",
        "copy_extensions = none",
        "[ anything ]",
        "countryName = optional",
        "stateOrProvinceName = optional",
        "localityName = optional",
        "organizationName = optional",
        "organizationalUnitName = optional",
        "commonName = supplied",
        "emailAddress = optional",
        "[ req ]",
        "distinguished_name = dn",
        "[ dn ]",
      ].join("\n") + "\n",
    );
    return new OpensslWorkspace(dir);
  }

  async cleanup(): Promise<void> {
    await Deno.remove(this.dir, { recursive: true });
  }

  path(name: string): string {
    return `${this.dir}/${name}`;
  }

  #fresh(stem: string): string {
    return this.path(`${stem}-${++this.#counter}`);
  }

  /** Runs openssl; throws with its stderr when it fails. Returns stdout as text. */
  async run(args: string[], stdin?: Uint8Array): Promise<string> {
    const bytes = await this.runBytes(args, stdin);
    return new TextDecoder().decode(bytes);
  }

  async runBytes(args: string[], stdin?: Uint8Array): Promise<Uint8Array> {
    const child = new Deno.Command("openssl", {
      args,
      cwd: this.dir,
      stdin: stdin ? "piped" : "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    if (stdin) {
      const writer = child.stdin.getWriter();
      await writer.write(stdin);
      await writer.close();
    }
    const result = await child.output();
    if (!result.success) {
      throw new Error(`openssl ${args.join(" ")} failed: ${new TextDecoder().decode(result.stderr)}`);
    }
    return result.stdout;
  }

  read(path: string): string {
    return Deno.readTextFileSync(path);
  }

  async ecKey(curve = "prime256v1"): Promise<string> {
    const path = this.#fresh("ec.key");
    await this.run(["genpkey", "-algorithm", "EC", "-pkeyopt", `ec_paramgen_curve:${curve}`, "-out", path]);
    return path;
  }

  async rsaKey(bits = 2048): Promise<string> {
    const path = this.#fresh("rsa.key");
    await this.run(["genpkey", "-algorithm", "RSA", "-pkeyopt", `rsa_keygen_bits:${bits}`, "-out", path]);
    return path;
  }

  /** A self-signed root CA. */
  async rootCa(
    subject = "/CN=cstabox Test Root CA/O=Test",
    options: { keyPath?: string; days?: number } = {},
  ): Promise<Issued> {
    const keyPath = options.keyPath ?? await this.ecKey();
    const certPath = this.#fresh("root.crt");
    const addext = caExtensions.flatMap((line) => ["-addext", line.replace(/\s*=\s*/, "=")]);
    await this.run([
      "req",
      "-x509",
      "-new",
      "-key",
      keyPath,
      "-subj",
      subject,
      "-days",
      String(options.days ?? 3650),
      "-config",
      this.path("ca.cnf"),
      ...addext,
      "-out",
      certPath,
    ]);
    return this.#issued(certPath, keyPath);
  }

  /** A CSR for the key at `keyPath` with `subject` (as openssl writes it); returns its path. */
  async request(keyPath: string, subject: string): Promise<string> {
    const csrPath = this.#fresh("req.csr");
    await this.run([
      "req",
      "-new",
      "-key",
      keyPath,
      "-subj",
      subject,
      "-config",
      this.path("ca.cnf"),
      "-out",
      csrPath,
    ]);
    return csrPath;
  }

  /** A certificate signed by `issuer` with `openssl ca` (so start and end dates can be chosen). */
  async issue(issuer: Issued, options: IssueOptions): Promise<Issued> {
    const keyPath = options.keyPath ?? await this.ecKey();
    const csrPath = options.csrPath ?? await this.request(keyPath, options.subject);
    const certPath = this.#fresh("issued.crt");
    const extFile = await this.#extFile(options.extensions ?? serverExtensions);
    await Deno.writeTextFile(this.path("serial"), randomSerial() + "\n");
    const dates = options.startDate || options.endDate
      ? [
        "-startdate",
        options.startDate ?? utcStamp(new Date()),
        "-enddate",
        options.endDate ?? utcStamp(new Date(Date.now() + 365 * 86_400_000)),
      ]
      : ["-days", String(options.days ?? 365)];
    await this.run([
      "ca",
      "-batch",
      "-notext",
      "-preserveDN",
      "-config",
      this.path("ca.cnf"),
      "-cert",
      issuer.certPath,
      "-keyfile",
      issuer.keyPath,
      "-in",
      csrPath,
      "-out",
      certPath,
      "-extfile",
      extFile,
      "-extensions",
      "ext",
      ...dates,
    ]);
    return this.#issued(certPath, keyPath);
  }

  /** Root CA -> intermediate CA -> server certificate, the usual shape of a company PKI. */
  async chain(
    leaf: Partial<IssueOptions> = {},
  ): Promise<{ root: Issued; intermediate: Issued; leaf: Issued }> {
    const root = await this.rootCa();
    const intermediate = await this.issue(root, {
      subject: "/CN=cstabox Test Intermediate CA/O=Test",
      extensions: [
        "basicConstraints = critical,CA:TRUE,pathlen:0",
        "keyUsage = critical,keyCertSign,cRLSign",
      ],
      days: 1825,
    });
    const server = await this.issue(intermediate, { subject: "/CN=localhost/O=Test", ...leaf });
    return { root, intermediate, leaf: server };
  }

  /** The key as encrypted PKCS#8 ("ENCRYPTED PRIVATE KEY"). */
  async encryptedPkcs8(keyPath: string, passphrase: string, cipher = "aes-256-cbc"): Promise<string> {
    return await this.run([
      "pkcs8",
      "-topk8",
      "-in",
      keyPath,
      "-v2",
      cipher,
      "-passout",
      `pass:${passphrase}`,
    ]);
  }

  /** A PKCS#12 file; `legacy` uses the RC2/3DES algorithms of older exports. */
  async pkcs12(
    options: { key: string; cert: string; chain?: string[]; password: string; legacy?: boolean },
  ): Promise<Uint8Array> {
    const chainFile = this.#fresh("chain.pem");
    await Deno.writeTextFile(chainFile, (options.chain ?? []).map((p) => this.read(p)).join(""));
    const args = [
      "pkcs12",
      "-export",
      "-inkey",
      options.key,
      "-in",
      options.cert,
      "-passout",
      `pass:${options.password}`,
    ];
    if ((options.chain ?? []).length > 0) args.push("-certfile", chainFile);
    if (options.legacy) args.push("-legacy");
    return await this.runBytes(args);
  }

  async #extFile(lines: string[]): Promise<string> {
    const path = this.#fresh("ext.cnf");
    await Deno.writeTextFile(path, ["[ ext ]", ...lines].join("\n") + "\n");
    return path;
  }

  #issued(certPath: string, keyPath: string): Issued {
    return { certPath, keyPath, certPem: this.read(certPath), keyPem: this.read(keyPath) };
  }
}

function randomSerial(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, "0")).join(
    "",
  )
    .replace(/^./, "1");
}

/** `YYYYMMDDHHMMSSZ` as `openssl ca -startdate/-enddate` takes it. */
export function utcStamp(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, "").replace(/\.\d+Z$/, "Z");
}
