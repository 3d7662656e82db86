// What portal-server may import from this app: the type of the internal router, nothing else.
export type { InternalRouter } from "./router.ts";
