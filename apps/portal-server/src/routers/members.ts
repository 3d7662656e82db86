import { router } from "../trpc/trpc.ts";

export const membersRouter = router({});
