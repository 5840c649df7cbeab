// Debian's Chromium driven by playwright-core for the browser tests: one persistent profile per test in a
// temporary directory, every request the pages make recorded (to prove nothing comes from another
// origin), dialogs accepted, and screenshots saved under test-output/e2e/.

import { fileURLToPath } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const screenshotDir = fileURLToPath(new URL("../../test-output/e2e/", import.meta.url));

export interface BrowserRun {
  context: BrowserContext;
  page: Page;
  /** Every URL the browser asked for, in order. */
  requests: string[];
  /** Messages the pages wrote to the console as errors, and uncaught page errors. */
  pageErrors: string[];
  /** Saves a full-page screenshot as test-output/e2e/<name>.png and returns its path. */
  screenshot(name: string, page?: Page): Promise<string>;
}

/** Runs `work` with a fresh headless Chromium; the browser is closed whatever happens. */
export async function withBrowser<T>(
  work: (run: BrowserRun) => Promise<T>,
  options: { viewport?: { width: number; height: number }; javaScriptEnabled?: boolean } = {},
): Promise<T> {
  const profile = await Deno.makeTempDir({ prefix: "cstabox-chromium-" });
  await Deno.mkdir(screenshotDir, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: options.viewport ?? { width: 1280, height: 900 },
    javaScriptEnabled: options.javaScriptEnabled ?? true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const requests: string[] = [];
  const pageErrors: string[] = [];
  context.on("request", (request) => requests.push(request.url()));
  context.on("page", (page) => watchPage(page, pageErrors));
  try {
    const page = context.pages()[0] ?? await context.newPage();
    watchPage(page, pageErrors);
    page.setDefaultTimeout(10_000);
    return await work({
      context,
      page,
      requests,
      pageErrors,
      async screenshot(name, which = page) {
        const path = `${screenshotDir}${name}.png`;
        await which.screenshot({ path, fullPage: true });
        return path;
      },
    });
  } finally {
    await context.close().catch(() => {});
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
}

const watched = new WeakSet<Page>();

function watchPage(page: Page, errors: string[]): void {
  if (watched.has(page)) return;
  watched.add(page);
  page.on("dialog", (dialog) => void dialog.accept());
  page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    // A refused form answers 400 on purpose and Chromium logs that; statuses are asserted where they matter.
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
      errors.push(`console: ${message.text()}`);
    }
  });
}

/** Resolves with `promise`, or rejects after `ms` saying what was awaited (every test is bounded). */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** The first login of `user` with the provisioned password, then the forced change to `chosen`. */
export async function firstLogin(
  page: Page,
  base: string,
  provisioned: string,
  chosen: string,
  user = "admin",
): Promise<void> {
  await page.goto(`${base}/login`);
  await page.fill("#f-user", user);
  await page.fill("#f-password", provisioned);
  await page.click("#login-form button[type=submit]");
  await page.waitForURL(`${base}/password`);
  await page.fill("#f-current", provisioned);
  await page.fill("#f-password", chosen);
  await page.fill("#f-repeat", chosen);
  await page.click("#password-form button[type=submit]");
  await page.waitForURL(`${base}/`);
}

/** A later login of `admin` with its chosen password; resolves on the page the login leads to. */
export async function logIn(page: Page, base: string, password: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.fill("#f-user", "admin");
  await page.fill("#f-password", password);
  await page.click("#login-form button[type=submit]");
  await page.waitForURL((url) => !url.pathname.startsWith("/login"));
}

/** The page's full width in CSS pixels: more than the viewport means something runs off the side. */
export function pageWidth(page: Page): Promise<number> {
  return page.locator("html").evaluate((el) => (el as unknown as { scrollWidth: number }).scrollWidth);
}
