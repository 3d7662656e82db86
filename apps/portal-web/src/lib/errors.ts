// What a person sees when something fails: the server's own message, never a stack.
import { TRPCClientError } from "@trpc/client";

export function errorMessage(error: unknown): string {
  if (error instanceof TRPCClientError) {
    if (error.message && !/^Unexpected token|JSON/.test(error.message)) return error.message;
    return "The portal server sent an answer we could not read. Try again.";
  }
  if (error instanceof TypeError && /fetch/i.test(error.message)) {
    return "Could not reach the server. Check your connection and try again.";
  }
  if (error instanceof Error && error.message) return error.message;
  return "Something went wrong. Try again.";
}

/** The tRPC error code (UNAUTHORIZED, NOT_FOUND, ...) of a failed call, if it has one. */
export function errorCode(error: unknown): string | undefined {
  if (error instanceof TRPCClientError) {
    const data = error.data as { code?: string } | undefined;
    return data?.code;
  }
  return undefined;
}

/** The server's refusal of one input field (zod or a domain check), when that is what failed. */
export function fieldError(error: unknown, field: string): string | undefined {
  if (!(error instanceof TRPCClientError)) return undefined;
  const data = error.data as { fieldErrors?: Record<string, string[] | undefined> } | undefined;
  return data?.fieldErrors?.[field]?.[0];
}
