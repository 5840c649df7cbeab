// JSON API of the TLS certificate, mounted at /api/tls: status, import (PEM or PKCS#12, as JSON or as a
// multipart upload), CSR and its signed certificate, a new self-signed certificate, rollback.
// Answers never contain a private key; refusals list every reason: {error: {code, message, reasons}}.

import { type Context, Hono } from "hono";
import { z } from "zod";
import type {
  CertificateStatus,
  CertificateSummary,
  CertStore,
  ImportOutcome,
  TlsOverview,
} from "../../tls/cert_store.ts";
import { keyAlgorithmChoices } from "../../tls/key_generation.ts";
import { type Problem, TlsRefusedError, type Warning } from "../../tls/problems.ts";
import type { HttpEnv } from "../context.ts";
import type { AuditLog } from "../../audit/audit_log.ts";
import { auditActor } from "../auth/audit_actor.ts";
import { fieldPath, readBoundedText } from "./json_body.ts";
import { isoTime, type RouteDoc } from "./route_doc.ts";

/** The error body of every /api/tls answer that is not a success. */
export interface TlsApiErrorBody {
  error: { code: string; message: string; reasons: Problem<string>[]; warnings?: Problem[]; field?: string };
}

const pemText = z.string().min(1, "required");
const pemImportSchema = z.strictObject({
  certificate: pemText,
  chain: z.string().optional(),
  key: pemText,
  passphrase: z.string().optional(),
});
const pkcs12ImportSchema = z.strictObject({
  pkcs12: z.string().min(1, "required (base64 of the .p12/.pfx file)"),
  password: z.string().default(""),
});
const shortText = z.string().max(128).optional();
const csrSchema = z.strictObject({
  subject: z.strictObject({
    commonName: z.string().min(1, "required").max(64),
    organization: shortText,
    organizationalUnit: shortText,
    locality: shortText,
    state: shortText,
    // Checked with the other fields by checkCsrRequest, so every problem is reported at once.
    country: shortText,
    email: shortText,
  }),
  dnsNames: z.array(z.string().max(253)).max(100).default([]),
  ipAddresses: z.array(z.string().max(45)).max(100).default([]),
  keyAlgorithm: z.enum(keyAlgorithmChoices).optional(),
});
const signedCertificateSchema = z.strictObject({ certificate: pemText, chain: z.string().optional() });

const summary = {
  subject: z.string(),
  issuer: z.string(),
  serialNumber: z.string(),
  notBefore: isoTime,
  notAfter: isoTime,
  fingerprintSha256: z.string(),
  selfSigned: z.boolean(),
};
const expiryState = z.enum(["valid", "expires_soon", "expired", "not_yet_valid"]);
const warning = z.strictObject({
  code: z.string().describe("names_not_covered, no_subject_alt_name, expires_soon, weak_signature, …"),
  message: z.string(),
  certificate: z.strictObject({ index: z.number().int(), subject: z.string() }).optional(),
});
const certificateStatus: z.ZodType<CertificateStatus> = z.strictObject({
  ...summary,
  level: z.enum(["ok", "warning", "error"]),
  message: z.string(),
  expiry: expiryState,
  daysLeft: z.number().int(),
  subjectAltNames: z.array(z.strictObject({
    type: z.enum(["dns", "ip", "email", "url", "other"]),
    value: z.string(),
  })),
  coverage: z.array(z.strictObject({ name: z.string(), covered: z.boolean(), by: z.string().optional() })),
  coversApplianceNames: z.boolean(),
  keyAlgorithm: z.string(),
  signatureAlgorithm: z.string(),
  chain: z.array(z.strictObject({ ...summary, expiry: expiryState })),
  warnings: z.array(warning) as z.ZodType<Warning[]>,
  installedAt: isoTime.nullable(),
});
const installedAnswer = z.strictObject({
  certificate: certificateStatus,
  warnings: z.array(warning) as z.ZodType<Warning[]>,
});
const csrSummary = z.strictObject({
  subject: z.string(),
  dnsNames: z.array(z.string()),
  ipAddresses: z.array(z.string()),
  keyAlgorithm: z.string(),
});

/** The routes of /api/tls for the OpenAPI document (every JSON body may also come as multipart/form-data). */
export const TLS_ROUTES: readonly RouteDoc[] = [
  {
    method: "get",
    path: "/status",
    summary: "The installed certificate, the previous one and a pending CSR (no key material)",
    response: z.strictObject({
      certificate: certificateStatus,
      previous: z.strictObject(summary).nullable(),
      pendingCsr: z.strictObject({ ...csrSummary.shape, createdAt: isoTime.nullable(), csrPem: z.string() })
        .nullable(),
      startupProblem: z.string().nullable(),
    }) satisfies z.ZodType<TlsOverview>,
  },
  {
    method: "get",
    path: "/certificate",
    summary: "Download the certificate and its chain (PEM)",
    response: { media: "application/x-pem-file" },
  },
  {
    method: "post",
    path: "/import/pem",
    summary: "Install a certificate, its chain and key from PEM",
    body: pemImportSchema,
    response: installedAnswer,
  },
  {
    method: "post",
    path: "/import/pkcs12",
    summary: "Install a certificate from a PKCS#12 (.p12/.pfx) file",
    body: pkcs12ImportSchema,
    response: installedAnswer,
  },
  {
    method: "post",
    path: "/csr",
    summary: "Make a key and a CSR; JSON with `Accept: application/json`, else the .csr file",
    body: csrSchema,
    status: 201,
    response: z.strictObject({ csrPem: z.string(), summary: csrSummary }),
  },
  {
    method: "get",
    path: "/csr",
    summary: "Download the pending CSR",
    response: { media: "application/pkcs10" },
  },
  {
    method: "post",
    path: "/csr/certificate",
    summary: "Install the certificate a CA signed for the pending CSR",
    body: signedCertificateSchema,
    response: installedAnswer,
  },
  {
    method: "post",
    path: "/generate-self-signed",
    summary: "Install a new self-signed certificate",
    response: installedAnswer,
  },
  {
    method: "post",
    path: "/rollback",
    summary: "Go back to the previous certificate",
    response: installedAnswer,
  },
];

type Body<T> = { ok: true; data: T } | { ok: false; response: Response };

/** Builds the /api/tls sub-app over `store`. Authentication is the mounting app's business. */
export function createTlsApi(store: CertStore, audit?: AuditLog): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();
  /** Answers `outcome` and audits an installed certificate: which one it replaced (no key material). */
  const installed = (
    c: Context<HttpEnv>,
    action: string,
    old: CertificateSummary,
    outcome: ImportOutcome,
  ) => {
    if (outcome.ok) {
      audit?.record(auditActor(c), {
        action,
        object: "certificate",
        old: certificateAudit(old),
        new: certificateAudit(outcome.certificate),
      });
    }
    return outcomeResponse(c, outcome);
  };
  // Room for certificate + chain + key, or a base64 PKCS#12, each up to the store's own limit.
  const maxBody = store.maxUploadBytes * 4 + 4096;

  app.get("/status", (c) => c.json(store.overview()));

  app.get("/certificate", (c) =>
    c.body(store.current().fullChainPem, 200, {
      "content-type": "application/x-pem-file",
      "content-disposition": 'attachment; filename="cstabox.crt"',
    }));

  app.post("/import/pem", async (c) => {
    const body = await readBody(c, pemImportSchema, maxBody);
    if (!body.ok) return body.response;
    const old = store.overview().certificate;
    return installed(c, "certificate imported (PEM)", old, await store.importPem(body.data));
  });

  app.post("/import/pkcs12", async (c) => {
    const body = await readBody(c, pkcs12ImportSchema, maxBody, ["pkcs12"]);
    if (!body.ok) return body.response;
    const data = decodeBase64(body.data.pkcs12);
    if (!data) {
      return invalid(
        c,
        "pkcs12: not base64 (send the file as base64 in JSON, or as a multipart upload)",
        "pkcs12",
      );
    }
    const old = store.overview().certificate;
    const outcome = await store.importPkcs12({ data, password: body.data.password });
    return installed(c, "certificate imported (PKCS#12)", old, outcome);
  });

  app.post("/csr", async (c) => {
    const body = await readBody(c, csrSchema, maxBody);
    if (!body.ok) return body.response;
    try {
      const { csrPem, summary } = await store.createCsr(body.data);
      audit?.record(auditActor(c), { action: "CSR created", object: "certificate", new: summary });
      if ((c.req.header("accept") ?? "").includes("application/json")) {
        return c.json({ csrPem, summary }, 201);
      }
      return csrDownload(c, csrPem, 201);
    } catch (error) {
      if (error instanceof TlsRefusedError) {
        // Each CSR problem starts with its field ("subject.country: …"): name it, as a schema refusal does.
        const reasons: (Problem<string> & { field?: string })[] = error.reasons.map((r) => {
          const field = /^([\w.]+)(?:\[\d+\])?: /.exec(r.message)?.[1];
          return field ? { ...r, field } : r;
        });
        const field = reasons.find((r) => r.field)?.field;
        return errorResponse(c, 400, "invalid_request", error.message, reasons, undefined, field);
      }
      throw error;
    }
  });

  app.get("/csr", (c) => {
    const pending = store.overview().pendingCsr;
    if (!pending) return errorResponse(c, 404, "no_pending_csr", "there is no pending CSR", []);
    return csrDownload(c, pending.csrPem, 200);
  });

  app.post("/csr/certificate", async (c) => {
    const body = await readBody(c, signedCertificateSchema, maxBody);
    if (!body.ok) return body.response;
    const old = store.overview().certificate;
    return installed(c, "signed certificate installed", old, await store.acceptSignedCertificate(body.data));
  });

  app.post("/generate-self-signed", async (c) => {
    const old = store.overview().certificate;
    return installed(c, "self-signed certificate generated", old, await store.generateSelfSigned());
  });

  app.post("/rollback", async (c) => {
    const old = store.overview().certificate;
    return installed(c, "certificate rolled back", old, await store.rollback());
  });

  return app;
}

/** A certificate as the audit log keeps it: enough to tell one from another. */
function certificateAudit(certificate: CertificateSummary) {
  const { subject, issuer, serialNumber, notAfter, fingerprintSha256 } = certificate;
  return { subject, issuer, serialNumber, notAfter, fingerprintSha256 };
}

function csrDownload(c: Context, csrPem: string, status: 200 | 201): Response {
  return c.body(csrPem, status, {
    "content-type": "application/pkcs10",
    "content-disposition": 'attachment; filename="cstabox.csr"',
  });
}

/** Success: 200 with the new status. Refusal: 422, or 409 when the state does not allow the action. */
function outcomeResponse(c: Context, outcome: ImportOutcome): Response {
  if (outcome.ok) return c.json({ certificate: outcome.certificate, warnings: outcome.warnings }, 200);
  const codes = outcome.reasons.map((r) => r.code);
  if (codes.length === 1 && (codes[0] === "no_pending_csr" || codes[0] === "no_previous")) {
    return errorResponse(c, 409, codes[0], outcome.reasons[0].message, outcome.reasons);
  }
  if (codes.length === 1 && codes[0] === "too_large") {
    return errorResponse(c, 413, "too_large", outcome.reasons[0].message, outcome.reasons);
  }
  const count = outcome.reasons.length;
  const message = `certificate refused (${count} reason${count === 1 ? "" : "s"}); nothing was changed`;
  return errorResponse(c, 422, "certificate_refused", message, outcome.reasons, outcome.warnings);
}

function errorResponse(
  c: Context,
  status: 400 | 404 | 409 | 413 | 415 | 422,
  code: string,
  message: string,
  reasons: Problem<string>[],
  warnings?: Problem[],
  field?: string,
): Response {
  const error: TlsApiErrorBody["error"] = { code, message, reasons };
  if (warnings && warnings.length > 0) error.warnings = warnings;
  if (field) error.field = field;
  return c.json({ error } satisfies TlsApiErrorBody, status);
}

function invalid(c: Context, message: string, field?: string): Response {
  return errorResponse(
    c,
    400,
    "invalid_request",
    message,
    [{ code: "invalid_field", message }],
    undefined,
    field,
  );
}

/**
 * The body as JSON, or as multipart/form-data where each field is text or an uploaded file. Fields
 * named in `binaryFields` are read as bytes and passed on as base64, so one schema serves both forms.
 */
async function readBody<S extends z.ZodType>(
  c: Context,
  schema: S,
  maxBytes: number,
  binaryFields: string[] = [],
): Promise<Body<z.output<S>>> {
  const type = c.req.header("content-type") ?? "";
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > maxBytes) return { ok: false, response: tooLarge(c, maxBytes) };
  let value: unknown;
  if (type.startsWith("multipart/form-data")) {
    const form = await c.req.formData().catch(() => undefined);
    if (!form) return { ok: false, response: invalid(c, "the multipart body cannot be read") };
    const fields: Record<string, unknown> = {};
    let size = 0;
    for (const [name, entry] of form.entries()) {
      if (typeof entry === "string") {
        fields[name] = entry;
        size += entry.length;
      } else {
        const bytes = new Uint8Array(await entry.arrayBuffer());
        size += bytes.length;
        fields[name] = binaryFields.includes(name) ? bytes.toBase64() : new TextDecoder().decode(bytes);
      }
    }
    if (size > maxBytes) return { ok: false, response: tooLarge(c, maxBytes) };
    value = fields;
  } else if (type.startsWith("application/json") || type === "") {
    const text = await readBoundedText(c, maxBytes);
    if (text === undefined) return { ok: false, response: tooLarge(c, maxBytes) };
    try {
      value = text === "" ? {} : JSON.parse(text);
    } catch {
      return { ok: false, response: errorResponse(c, 400, "invalid_json", "the body is not JSON", []) };
    }
  } else {
    return {
      ok: false,
      response: errorResponse(
        c,
        415,
        "unsupported_media_type",
        "send application/json or multipart/form-data",
        [],
      ),
    };
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, data: parsed.data };
  const reasons = parsed.error.issues.map((issue) => {
    const field = fieldPath(issue.path);
    const message = field ? `${field}: ${issue.message}` : issue.message;
    return { code: "invalid_field", message, ...(field ? { field } : {}) };
  });
  const first = parsed.error.issues[0];
  return {
    ok: false,
    response: errorResponse(
      c,
      400,
      "invalid_request",
      reasons[0].message,
      reasons,
      undefined,
      fieldPath(first.path) || undefined,
    ),
  };
}

function tooLarge(c: Context, maxBytes: number): Response {
  return errorResponse(c, 413, "too_large", `the body is larger than ${maxBytes} bytes`, []);
}

function decodeBase64(text: string): Uint8Array | undefined {
  const clean = text.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) return undefined;
  try {
    return Uint8Array.fromBase64(clean);
  } catch {
    return undefined;
  }
}
