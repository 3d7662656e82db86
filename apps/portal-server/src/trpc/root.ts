// Every domain router, merged in one place.
import { adminRouter } from "../routers/admin.ts";
import { auditRouter } from "../routers/audit.ts";
import { authRouter } from "../routers/auth.ts";
import { billingRouter } from "../routers/billing.ts";
import { configRouter } from "../routers/config.ts";
import { keysRouter } from "../routers/keys.ts";
import { membersRouter } from "../routers/members.ts";
import { modelsRouter } from "../routers/models.ts";
import { orgsRouter } from "../routers/orgs.ts";
import { projectsRouter } from "../routers/projects.ts";
import { providersRouter } from "../routers/providers.ts";
import { usageRouter } from "../routers/usage.ts";
import { router } from "./trpc.ts";

export const appRouter = router({
  auth: authRouter,
  config: configRouter,
  orgs: orgsRouter,
  members: membersRouter,
  projects: projectsRouter,
  keys: keysRouter,
  usage: usageRouter,
  billing: billingRouter,
  providers: providersRouter,
  models: modelsRouter,
  admin: adminRouter,
  audit: auditRouter,
});

export type AppRouter = typeof appRouter;
