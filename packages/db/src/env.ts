import { z } from "zod";

/** The database settings every process of the platform reads from its environment. */
export const ZDatabaseEnv = z.object({
  /** PostgreSQL; unset means the embedded PGlite database in DATA_DIR. */
  DATABASE_URL: z.preprocess(
    (value) => (value === "" ? undefined : value),
    z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  ),
  DATA_DIR: z.string().min(1).default("./.data"),
});

/** Turns a zod failure into one line that names the bad variable. */
export function envError(error: z.ZodError): Error {
  const issue = error.issues[0];
  return new Error(`Invalid environment: ${issue?.path.join(".") || "(root)"}: ${issue?.message}`);
}
