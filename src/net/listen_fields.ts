// The two settings fields every listener has, said the same way in every section: a port (0 = any free
// one, for tests) and the address to bind.

import { z } from "zod";

export const port = (fallback: number, what: string) =>
  z.number().int().min(0).max(65535).default(fallback).describe(`${what} (0 = any free port)`);

export const bindAddress = (what: string) =>
  z.string().min(1).default("0.0.0.0").describe(`address ${what} listens on (0.0.0.0 = all interfaces)`);
