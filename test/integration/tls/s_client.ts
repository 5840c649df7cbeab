// Test helper: what `openssl s_client` sees on a TLS port: the server certificate's fingerprint and subject.

import { parseCertificatesPem } from "../../../src/tls/certificate.ts";

export interface Served {
  fingerprintSha256: string;
  subject: string;
  /** The whole s_client output, for failure messages. */
  output: string;
}

/** Connects with `openssl s_client`, reads the certificate the server presents, and disconnects. */
export async function sClient(port: number, extraArgs: string[] = []): Promise<Served> {
  const result = await new Deno.Command("openssl", {
    args: ["s_client", "-connect", `127.0.0.1:${port}`, "-showcerts", ...extraArgs],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const output = new TextDecoder().decode(result.stdout) + new TextDecoder().decode(result.stderr);
  const [leaf] = parseCertificatesPem(output, "s_client output").certificates;
  if (!leaf) throw new Error(`s_client saw no certificate:\n${output}`);
  return { fingerprintSha256: leaf.fingerprintSha256, subject: leaf.subject, output };
}
