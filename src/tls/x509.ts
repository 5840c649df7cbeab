// @peculiar/x509, loaded after the reflect-metadata polyfill its dependency injection (tsyringe) needs.
// Import the library from here, never directly, so the polyfill is always in place first.

// Until deno.json maps "reflect-metadata" (asked for), the full specifier is used here and only here.
// deno-lint-ignore no-import-prefix
import "npm:reflect-metadata@~0.2.2";
export * from "@peculiar/x509";
