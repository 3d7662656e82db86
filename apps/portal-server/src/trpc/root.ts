// Every domain router, merged in one place.
import { authRouter } from "../routers/auth.ts";
import { configRouter } from "../routers/config.ts";
import { router } from "./trpc.ts";

export const appRouter = router({
  auth: authRouter,
  config: configRouter,
});

export type AppRouter = typeof appRouter;
