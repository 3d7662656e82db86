import { router } from "../trpc/trpc.ts";

export const projectsRouter = router({});
