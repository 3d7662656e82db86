import { router } from "../trpc/trpc.ts";

export const auditRouter = router({});
