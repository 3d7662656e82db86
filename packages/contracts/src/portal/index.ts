export * from "./auth.ts";
export * from "./permissions.ts";
