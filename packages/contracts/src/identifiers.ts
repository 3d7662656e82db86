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
