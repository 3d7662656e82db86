// The portal's one domain error. Services throw it with a reason and words meant for the person
// at the keyboard; the tRPC layer maps reasons to status codes in one place (trpc/trpc.ts).
// Anything else thrown is an internal error and its message never reaches the client.

export type PortalErrorReason =
  | "invalid"
  | "unauthenticated"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "precondition_failed"
  | "rate_limited"
  | "unavailable";

export class PortalError extends Error {
  override name = "PortalError";
  constructor(
    readonly reason: PortalErrorReason,
    message: string,
    /** Seconds to wait, for rate_limited. */
    readonly retryAfterSeconds?: number,
    /** The input field at fault, for invalid: forms show the message under it. */
    readonly field?: string,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new PortalError("not_found", `${what} not found.`);

/** A refusal of one input field's value, in words for the person who typed it. */
export const invalidField = (field: string, message: string) =>
  new PortalError("invalid", message, undefined, field);
