// Test certificates made by openssl at test time (never checked in): a self-signed server certificate
// for localhost and 127.0.0.1 that Deno's TLS accepts (has a SAN, is not a CA).

export interface TestCertificate {
  certPem: string;
  keyPem: string;
}

export async function selfSignedForLocalhost(commonName = "localhost"): Promise<TestCertificate> {
  const dir = await Deno.makeTempDir();
  const out = await new Deno.Command("openssl", {
    args: [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      `${dir}/key.pem`,
      "-out",
      `${dir}/cert.pem`,
      "-subj",
      `/CN=${commonName}`,
      "-days",
      "2",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-addext",
      "basicConstraints=critical,CA:FALSE",
      "-addext",
      "extendedKeyUsage=serverAuth",
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`openssl failed: ${new TextDecoder().decode(out.stderr)}`);
  const cert = {
    certPem: await Deno.readTextFile(`${dir}/cert.pem`),
    keyPem: await Deno.readTextFile(`${dir}/key.pem`),
  };
  await Deno.remove(dir, { recursive: true });
  return cert;
}
