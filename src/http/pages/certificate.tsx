// The Certificate page: the certificate the CSTA TLS port and HTTPS serve (details, names it covers,
// chain, warnings), and every way to change it: generate self-signed, import PEM or PKCS#12 by upload,
// create a CSR and download it, install the signed certificate, roll back. Refusals list every reason.

import type { Context, Hono } from "hono";
import { keyAlgorithmChoices } from "../../tls/key_generation.ts";
import type { TlsOverview } from "../../tls/cert_store.ts";
import type { HttpEnv } from "../context.ts";
import type { ApiErrorDetail } from "../inner_api.ts";
import { actingEnv, redirectWithFlash, type WebDeps } from "../web_deps.ts";
import {
  Badge,
  Card,
  Csrf,
  emptyForm,
  Field,
  type FormState,
  KeyValues,
  PostButton,
  Select,
  Table,
  TextArea,
} from "./components.tsx";
import { formatTime } from "./format.ts";
import { renderPage } from "./render.tsx";
import { saveSettingsForm, sectionValues, SettingsForm } from "./settings_form.tsx";

type FormName = "pem" | "pkcs12" | "csr" | "signed" | "actions" | "settings";

const TLS_KEYS = ["names", "expiryWarningDays"];
const TLS_LABELS: Record<string, string> = {
  names: "Other names clients use for this appliance",
  expiryWarningDays: "Warn days before expiry",
};

interface CertificatePageState {
  forms?: Partial<Record<FormName, FormState>>;
  /** Reasons of a refusal, shown with the form that caused it. */
  refusal?: { form: FormName; error: ApiErrorDetail };
}

export function mountCertificate(app: Hono<HttpEnv>, deps: WebDeps): void {
  app.get("/certificate", (c) => certificatePage(c, deps, {}));

  app.post("/certificate/settings", (c) =>
    saveSettingsForm(c, deps, {
      section: "tls",
      keys: TLS_KEYS,
      redirectTo: "/certificate",
      saved: "Certificate settings saved; they take effect when cstabox is restarted.",
      rerender: (form) => certificatePage(c, deps, { forms: { settings: form } }, 400),
    }));

  app.post("/certificate/self-signed", async (c) => {
    const result = await deps.api.call(actingEnv(c), "POST", "/tls/generate-self-signed", { json: {} });
    if (!result.ok) {
      return certificatePage(c, deps, { refusal: { form: "actions", error: result.error } }, 422);
    }
    return redirectWithFlash(
      c,
      deps,
      "/certificate",
      "A new self-signed certificate is installed and served from now on.",
    );
  });

  app.post("/certificate/rollback", async (c) => {
    const result = await deps.api.call(actingEnv(c), "POST", "/tls/rollback", { json: {} });
    if (!result.ok) {
      return certificatePage(c, deps, { refusal: { form: "actions", error: result.error } }, 422);
    }
    return redirectWithFlash(c, deps, "/certificate", "The previous certificate is installed again.");
  });

  app.post("/certificate/import-pem", async (c) => {
    const body = await c.req.parseBody();
    const form = new FormData();
    const missing: Record<string, string> = {};
    for (const [name, required] of [["certificate", true], ["chain", false], ["key", true]] as const) {
      const file = body[name];
      if (file instanceof File && file.size > 0) form.set(name, file);
      else if (required) missing[name] = `Choose the ${name === "key" ? "private key" : "certificate"} file.`;
    }
    const passphrase = String(body.passphrase ?? "");
    if (passphrase) form.set("passphrase", passphrase);
    if (Object.keys(missing).length) {
      return certificatePage(c, deps, { forms: { pem: { values: {}, errors: missing } } }, 400);
    }
    const result = await deps.api.call(actingEnv(c), "POST", "/tls/import/pem", { form });
    if (!result.ok) return certificatePage(c, deps, { refusal: { form: "pem", error: result.error } }, 422);
    return redirectWithFlash(
      c,
      deps,
      "/certificate",
      "The imported certificate is installed and served from now on.",
    );
  });

  app.post("/certificate/import-pkcs12", async (c) => {
    const body = await c.req.parseBody();
    const file = body.pkcs12;
    if (!(file instanceof File) || file.size === 0) {
      return certificatePage(c, deps, {
        forms: { pkcs12: { values: {}, errors: { pkcs12: "Choose the .p12 or .pfx file." } } },
      }, 400);
    }
    const form = new FormData();
    form.set("pkcs12", file);
    form.set("password", String(body.password ?? ""));
    const result = await deps.api.call(actingEnv(c), "POST", "/tls/import/pkcs12", { form });
    if (!result.ok) {
      return certificatePage(c, deps, { refusal: { form: "pkcs12", error: result.error } }, 422);
    }
    return redirectWithFlash(
      c,
      deps,
      "/certificate",
      "The imported certificate is installed and served from now on.",
    );
  });

  app.post("/certificate/csr", async (c) => {
    const body = await c.req.parseBody();
    const text = (name: string) => String(body[name] ?? "").trim();
    const values: Record<string, string> = {};
    for (
      const name of [
        "commonName",
        "organization",
        "organizationalUnit",
        "locality",
        "state",
        "country",
        "email",
        "dnsNames",
        "ipAddresses",
        "keyAlgorithm",
      ]
    ) {
      values[name] = text(name);
    }
    const optional = (v: string) => v === "" ? undefined : v;
    const list = (v: string) => v.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
    const request = {
      subject: {
        commonName: values.commonName,
        organization: optional(values.organization),
        organizationalUnit: optional(values.organizationalUnit),
        locality: optional(values.locality),
        state: optional(values.state),
        country: optional(values.country.toUpperCase()),
        email: optional(values.email),
      },
      dnsNames: list(values.dnsNames),
      ipAddresses: list(values.ipAddresses),
      keyAlgorithm: values.keyAlgorithm || undefined,
    };
    // Clients check the subjectAltNames only: with none given, the common name is the one name.
    if (request.dnsNames.length + request.ipAddresses.length === 0 && values.commonName) {
      if (/^[\d.]+$|:/.test(values.commonName)) request.ipAddresses.push(values.commonName);
      else request.dnsNames.push(values.commonName);
    }
    const result = await deps.api.call(actingEnv(c), "POST", "/tls/csr", { json: request });
    if (!result.ok) {
      // Every refused field at once, beside the form field it came from, in the reason's own words.
      const errors: Record<string, string> = {};
      const reasons = result.error.reasons?.length ? result.error.reasons : [result.error];
      for (const reason of reasons) {
        const field = reason.field?.replace(/^subject\./, "").replace(/\[\d+\]$/, "");
        if (field && field in values && !errors[field]) {
          errors[field] = reason.message.replace(/^[\w.[\]]+: /, "");
        }
      }
      return certificatePage(c, deps, {
        forms: { csr: { values, errors } },
        refusal: Object.keys(errors).length ? undefined : { form: "csr", error: result.error },
      }, 400);
    }
    return redirectWithFlash(
      c,
      deps,
      "/certificate#pending-csr",
      "CSR created. Download it, have it signed by your CA, then install the signed certificate below.",
    );
  });

  app.post("/certificate/signed", async (c) => {
    const body = await c.req.parseBody();
    const file = body.certificate;
    if (!(file instanceof File) || file.size === 0) {
      return certificatePage(c, deps, {
        forms: { signed: { values: {}, errors: { certificate: "Choose the signed certificate file." } } },
      }, 400);
    }
    const form = new FormData();
    form.set("certificate", file);
    const chain = body.chain;
    if (chain instanceof File && chain.size > 0) form.set("chain", chain);
    const result = await deps.api.call(actingEnv(c), "POST", "/tls/csr/certificate", { form });
    if (!result.ok) {
      return certificatePage(c, deps, { refusal: { form: "signed", error: result.error } }, 422);
    }
    return redirectWithFlash(
      c,
      deps,
      "/certificate",
      "The signed certificate is installed and served from now on.",
    );
  });
}

async function certificatePage(
  c: Context<HttpEnv>,
  deps: WebDeps,
  state: CertificatePageState,
  status: 200 | 400 | 422 = 200,
): Promise<Response> {
  const overview = await deps.api.get<TlsOverview>(actingEnv(c), "/tls/status");
  const tlsSettings = await sectionValues(deps, actingEnv(c), "tls");
  const forms = state.forms ?? {};
  const refusalFor = (form: FormName) =>
    state.refusal?.form === form ? <Refusal error={state.refusal.error} id={`${form}-refusal`} /> : null;
  return renderPage(c, deps, {
    title: "Certificate",
    status,
    intro:
      "One certificate serves the CSTA TLS port and the web UI over HTTPS. Changes apply to new connections at once.",
    body: (ctx) => {
      if (!overview.ok) {
        return <p class="notice error">The certificate store is not available: {overview.error.message}</p>;
      }
      const { certificate: cert, previous, pendingCsr } = overview.data;
      return (
        <div class="grid">
          <Card title="Installed certificate" id="cert-current" wide>
            <p>
              <Badge level={cert.level === "ok" ? "ok" : cert.level}>
                {cert.level === "ok" ? "valid" : cert.level}
              </Badge>{" "}
              {cert.message}
            </p>
            <KeyValues
              rows={[
                ["Subject", cert.subject],
                [
                  "Issuer",
                  cert.selfSigned && !cert.issuer.includes("self-signed")
                    ? `${cert.issuer} (self-signed)`
                    : cert.issuer,
                ],
                [
                  "Valid",
                  `${formatTime(cert.notBefore)} to ${
                    formatTime(cert.notAfter)
                  } (${cert.daysLeft} days left)`,
                ],
                ["Names", cert.subjectAltNames.map((n) => n.value).join(", ") || "none"],
                ["Key", `${cert.keyAlgorithm}, signed with ${cert.signatureAlgorithm}`],
                ["Serial number", <span class="mono">{cert.serialNumber}</span>],
                ["SHA-256 fingerprint", <span class="mono wrap">{cert.fingerprintSha256}</span>],
                ["Installed", formatTime(cert.installedAt)],
              ]}
            />
            {cert.coverage.length
              ? (
                <Table head={["Name this appliance is reached by", "Covered"]}>
                  {cert.coverage.map((n) => (
                    <tr>
                      <td class="mono">{n.name}</td>
                      <td>{n.covered ? `yes (${n.by})` : <span class="error">no</span>}</td>
                    </tr>
                  ))}
                </Table>
              )
              : null}
            {cert.chain.length
              ? (
                <>
                  <h3>Chain</h3>
                  <ol>{cert.chain.map((c) => <li>{c.subject} (until {formatTime(c.notAfter)})</li>)}</ol>
                </>
              )
              : null}
            {cert.warnings.length
              ? <ul class="problems">{cert.warnings.map((w) => <li class="warning">{w.message}</li>)}</ul>
              : null}
            <div class="actions-row">
              <a href="/api/tls/certificate" class="button secondary">Download certificate</a>
              <PostButton
                action="/certificate/self-signed"
                csrf={ctx.csrf}
                label="Generate new self-signed"
                confirm="Replace the installed certificate with a new self-signed one? Clients that trust the current certificate must be told."
              />
              {previous
                ? (
                  <PostButton
                    action="/certificate/rollback"
                    csrf={ctx.csrf}
                    label={`Roll back to ${previous.subject}`}
                    kind="danger"
                    confirm="Install the previous certificate again?"
                  />
                )
                : null}
            </div>
            {refusalFor("actions")}
          </Card>

          <Card title="Certificate signing request (CSR)" id="cert-csr" wide>
            {pendingCsr
              ? (
                <div id="pending-csr">
                  <p>
                    A CSR is waiting for its signed certificate: <strong>{pendingCsr.subject}</strong>{" "}
                    (created {formatTime(pendingCsr.createdAt)}, key {pendingCsr.keyAlgorithm}, names{" "}
                    {[...pendingCsr.dnsNames, ...pendingCsr.ipAddresses].join(", ") || "none"}).
                  </p>
                  <pre class="pem" id="csr-pem">{pendingCsr.csrPem}</pre>
                  <p>
                    <a href="/api/tls/csr" class="button secondary" id="csr-download" download="cstabox.csr">
                      Download CSR
                    </a>
                  </p>
                  <h3>Install the signed certificate</h3>
                  <form
                    method="post"
                    action="/certificate/signed#cert-csr"
                    enctype="multipart/form-data"
                    id="signed-form"
                  >
                    <Csrf token={ctx.csrf} />
                    <Field
                      name="certificate"
                      label="Signed certificate (PEM)"
                      type="file"
                      error={forms.signed?.errors.certificate}
                    />
                    <Field name="chain" label="Intermediate certificates (PEM, optional)" type="file" />
                    <button type="submit" class="primary">Install</button>
                  </form>
                  {refusalFor("signed")}
                </div>
              )
              : null}
            <h3>{pendingCsr ? "Create a new CSR instead" : "Create a CSR"}</h3>
            <CsrForm csrf={ctx.csrf} form={forms.csr ?? emptyForm} />
            {refusalFor("csr")}
          </Card>

          <Card title="Import PEM" id="cert-import-pem">
            <form
              method="post"
              action="/certificate/import-pem#cert-import-pem"
              enctype="multipart/form-data"
              id="pem-form"
            >
              <Csrf token={ctx.csrf} />
              <Field
                name="certificate"
                label="Certificate"
                type="file"
                accept=".pem,.crt,.cer"
                error={forms.pem?.errors.certificate}
              />
              <Field
                name="chain"
                label="Intermediate certificates (optional)"
                type="file"
                accept=".pem,.crt,.cer"
              />
              <Field
                name="key"
                label="Private key"
                type="file"
                accept=".pem,.key"
                error={forms.pem?.errors.key}
              />
              <Field
                name="passphrase"
                label="Key passphrase (if encrypted)"
                type="password"
                autocomplete="off"
              />
              <button type="submit" class="primary">Import</button>
            </form>
            {refusalFor("pem")}
          </Card>

          <Card title="Import PKCS#12" id="cert-import-pkcs12">
            <form
              method="post"
              action="/certificate/import-pkcs12#cert-import-pkcs12"
              enctype="multipart/form-data"
              id="pkcs12-form"
            >
              <Csrf token={ctx.csrf} />
              <Field
                name="pkcs12"
                label="File (.p12, .pfx)"
                type="file"
                accept=".p12,.pfx"
                error={forms.pkcs12?.errors.pkcs12}
              />
              <Field name="password" label="Password" type="password" autocomplete="off" />
              <button type="submit" class="primary">Import</button>
            </form>
            {refusalFor("pkcs12")}
          </Card>

          <Card title="Names and warnings" id="cert-settings" wide>
            <SettingsForm
              section="tls"
              keys={TLS_KEYS}
              labels={TLS_LABELS}
              file={tlsSettings.file}
              effective={tlsSettings.effective}
              refused={tlsSettings.refused}
              form={forms.settings ?? emptyForm}
              action="/certificate/settings#cert-settings"
              csrf={ctx.csrf}
              id="tls-form"
            />
          </Card>
        </div>
      );
    },
  });
}

function CsrForm(props: { csrf: string; form: FormState }) {
  const { values, errors } = props.form;
  return (
    <form method="post" action="/certificate/csr#cert-csr" id="csr-form" class="columns">
      <Csrf token={props.csrf} />
      <Field
        name="commonName"
        label="Common name (host name)"
        value={values.commonName}
        error={errors.commonName}
        required
      />
      <Field
        name="organization"
        label="Organisation"
        value={values.organization}
        error={errors.organization}
      />
      <Field
        name="organizationalUnit"
        label="Department"
        value={values.organizationalUnit}
        error={errors.organizationalUnit}
      />
      <Field name="locality" label="City" value={values.locality} error={errors.locality} />
      <Field name="state" label="State or province" value={values.state} error={errors.state} />
      <Field
        name="country"
        label="Country (two letters)"
        value={values.country}
        error={errors.country}
        placeholder="DE"
      />
      <Field name="email" label="E-mail" value={values.email} error={errors.email} />
      <TextArea
        name="dnsNames"
        label="DNS names"
        value={values.dnsNames}
        error={errors.dnsNames}
        rows={2}
        help="One per line. Clients check these names, not the common name; left empty, the common name is used."
      />
      <TextArea
        name="ipAddresses"
        label="IP addresses"
        value={values.ipAddresses}
        error={errors.ipAddresses}
        rows={2}
      />
      <Select
        name="keyAlgorithm"
        label="Key"
        value={values.keyAlgorithm ?? "ecdsa-p256"}
        options={keyAlgorithmChoices}
        error={errors.keyAlgorithm}
      />
      <button type="submit" class="primary">Create CSR</button>
    </form>
  );
}

/** A refusal: that nothing changed, then why (each reason once), then any warnings apart from them. */
function Refusal(props: { error: ApiErrorDetail; id: string }) {
  const reasons = props.error.reasons?.length ? props.error.reasons : [{ message: props.error.message }];
  const warnings = props.error.warnings ?? [];
  return (
    <div class="notice error" role="alert" id={props.id}>
      <p>
        <strong>Refused, nothing was changed.</strong>
      </p>
      <ul class="reasons">
        {reasons.map((r) => <li>{r.message}</li>)}
      </ul>
      {warnings.length
        ? (
          <>
            <p class="small">Also noticed (warnings, which alone would not refuse it):</p>
            <ul class="small muted">{warnings.map((w) => <li>{w.message}</li>)}</ul>
          </>
        )
        : null}
    </div>
  );
}
