import { router } from "../trpc/trpc.ts";

export const adminRouter = router({});
