import { router } from "../trpc/trpc.ts";

export const keysRouter = router({});
