// @peculiar/x509, loaded after the reflect-metadata polyfill its dependency injection (tsyringe) needs.
// Import the library from here, never directly, so the polyfill is always in place first.

import "reflect-metadata";
export * from "@peculiar/x509";
