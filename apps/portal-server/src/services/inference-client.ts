// The portal's client of the inference service's internal tRPC contract. Every call goes through
// `call`, which turns the service's answers into portal errors: its NOT_FOUND and BAD_REQUEST keep
// their message (and the field a BAD_REQUEST names), anything else (down, timeout, internal error)
// is "unavailable".
import type { InternalRouter } from "@gw/inference/router";
import { createTRPCClient, httpLink, type TRPCClient, TRPCClientError } from "@trpc/client";
import superjson from "superjson";
import { invalidField, PortalError } from "./errors.ts";

export interface InferenceClient {
  call<T>(work: (client: TRPCClient<InternalRouter>) => Promise<T>): Promise<T>;
}

export function createInferenceClient(options: {
  url: string;
  token: string | undefined;
  timeoutMs?: number;
}): InferenceClient {
  const token = options.token;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const client = token
    ? createTRPCClient<InternalRouter>({
        links: [
          httpLink({
            url: options.url,
            transformer: superjson,
            headers: { authorization: `Bearer ${token}` },
            fetch: (url, init) => fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) }),
          }),
        ],
      })
    : undefined;
  return {
    async call(work) {
      if (!client) {
        throw new PortalError(
          "unavailable",
          "The inference service is not configured (INTERNAL_SERVICE_TOKEN).",
        );
      }
      try {
        return await work(client);
      } catch (error) {
        if (error instanceof TRPCClientError) {
          const data = error.data as { code?: string; field?: string } | undefined;
          if (data?.code === "NOT_FOUND") throw new PortalError("not_found", error.message);
          if (data?.code === "BAD_REQUEST") {
            throw data.field
              ? invalidField(data.field, error.message)
              : new PortalError("invalid", error.message);
          }
        }
        throw new PortalError("unavailable", "The inference service did not answer; try again in a moment.");
      }
    },
  };
}
