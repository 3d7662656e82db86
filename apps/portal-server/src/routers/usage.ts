import { router } from "../trpc/trpc.ts";

export const usageRouter = router({});
