import type { z } from "zod";
import { envError, ZDatabaseEnv } from "../env.ts";

const ZCliEnv = ZDatabaseEnv;

export type TCliEnv = z.infer<typeof ZCliEnv>;

export function parseCliEnv(env: NodeJS.ProcessEnv): TCliEnv {
  const parsed = ZCliEnv.safeParse(env);
  if (!parsed.success) throw envError(parsed.error);
  return parsed.data;
}
