// The `trace` settings section: how long one CSTA trace may run and how many frames it keeps in memory.

import { z } from "zod";

export const traceSchema = z.object({
  maxMinutes: z.number().int().min(1).max(1440).default(60).describe(
    "longest a CSTA trace may run; it stops by itself then",
  ),
  maxFrames: z.number().int().min(100).max(1_000_000).default(50_000).describe(
    "frames one trace keeps (the oldest go first); about 0.3 KB each",
  ),
}).strict();

export type TraceSettings = z.infer<typeof traceSchema>;
