import { router } from "../trpc/trpc.ts";

export const orgsRouter = router({});
