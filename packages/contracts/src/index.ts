export * from "./identifiers.ts";
export * from "./money.ts";
