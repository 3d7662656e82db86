import { z } from "zod";

/** Organization and project slugs: lowercase letters, digits and inner dashes, 2 to 40 long. */
export const ZSlug = z
  .string()
  .regex(
    /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])$/,
    "use 2-40 lowercase letters, digits and dashes, starting and ending with a letter or digit",
  );

export const ZEmail = z
  .email()
  .max(254)
  .transform((email) => email.toLowerCase());

/** Passwords: long enough to matter, short enough that hashing cannot be used to stall a server. */
export const ZPassword = z.string().min(10, "use at least 10 characters").max(256);

/**
 * The models an API key may call, by the names the gateway knows them by: an alias, `<provider>/<model>`
 * or a bare model id. Entries are trimmed and de-duplicated; an empty list allows every model.
 */
export const ZAllowedModels = z
  .array(
    z
      .string()
      .trim()
      .min(1, "a model id cannot be blank")
      .max(200, "a model id is at most 200 characters long"),
  )
  .max(100, "list at most 100 models")
  .transform((models) => [...new Set(models)]);
