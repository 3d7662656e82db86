import { router } from "../trpc/trpc.ts";

export const providersRouter = router({});
