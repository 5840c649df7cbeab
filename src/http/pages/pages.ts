// Every page of the web UI, registered on the app behind the page guard.

import type { Hono } from "hono";
import type { HttpEnv } from "../context.ts";
import type { WebDeps } from "../web_deps.ts";
import { mountApplications } from "./applications.tsx";
import { mountCalls } from "./calls.tsx";
import { mountCertificate } from "./certificate.tsx";
import { mountCstaServer } from "./csta_server.tsx";
import { mountDashboard } from "./dashboard.tsx";
import { mountDocs } from "./docs.tsx";
import { mountIntegrations } from "./integrations.tsx";
import { ModeBadge } from "./layout.tsx";
import { mountLicences } from "./licences.tsx";
import { mountLines } from "./lines.tsx";
import { mountLogs } from "./logs.tsx";
import { mountMonitors } from "./monitors.tsx";
import { mountNumbers } from "./numbers.tsx";
import { mountPbx } from "./pbx.tsx";
import { mountPhone } from "./phone.tsx";
import { mountSmdr } from "./smdr.tsx";
import { mountStatistics } from "./statistics.tsx";
import { mountSystem } from "./system.tsx";
import { mountTrace } from "./trace.tsx";

export function mountPages(app: Hono<HttpEnv>, deps: WebDeps): void {
  deps.regions.add("mode", ({ ctx }) => ModeBadge({ demo: ctx.demo }));
  mountDashboard(app, deps);
  mountStatistics(app, deps);
  mountApplications(app, deps);
  mountMonitors(app, deps);
  mountCalls(app, deps);
  mountPhone(app, deps);
  mountPbx(app, deps);
  mountCstaServer(app, deps);
  mountCertificate(app, deps);
  mountLines(app, deps);
  mountNumbers(app, deps);
  mountLicences(app, deps);
  mountSmdr(app, deps);
  mountIntegrations(app, deps);
  mountLogs(app, deps);
  mountTrace(app, deps);
  mountSystem(app, deps);
  mountDocs(app, deps);
}
