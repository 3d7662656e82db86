import { z } from "zod";

const ZCliEnv = z.object({
  DATABASE_URL: z.string().url().optional(),
  DATA_DIR: z.string().min(1).default("./.data"),
});

export type TCliEnv = z.infer<typeof ZCliEnv>;

export function parseCliEnv(env: NodeJS.ProcessEnv): TCliEnv {
  const parsed = ZCliEnv.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`Invalid environment: ${issue?.path.join(".")}: ${issue?.message}`);
  }
  return parsed.data;
}
