import { router } from "../trpc/trpc.ts";

export const billingRouter = router({});
