import { router } from "../trpc/trpc.ts";

export const modelsRouter = router({});
