// What the web app imports, type-only.
export type { AppRouter } from "./root.ts";
