import { timingSafeEqual } from "node:crypto";
import type { Database } from "@gw/db";
import { initTRPC, TRPCError } from "@trpc/server";
import type { CreateFastifyContextOptions } from "@trpc/server/adapters/fastify";
import superjson from "superjson";
import type { CreditStore } from "../metering/credits/credit-store.ts";
import type { PriceBook } from "../metering/pricing/prices.ts";
import type { Routing } from "../routing/build-registry.ts";
import type { OrgRouting } from "../routing/org-routing.ts";
import type { RoutingTable } from "../routing/routing-table.ts";
import { KeyAdminError, type KeyChangeNotifier } from "../services/key-admin.ts";

export interface InternalDeps {
  db: Database;
  routing: Routing;
  prices: PriceBook | undefined;
  credits: CreditStore | undefined;
  orgRouting: OrgRouting | undefined;
  keyChanges: KeyChangeNotifier;
  /** The routing table of an organization's requests: the platform's plus its own providers. */
  tableFor(orgId: string): Promise<RoutingTable>;
  allowPrivateProviderHosts: boolean;
  serviceToken: string;
}

export interface InternalContext {
  deps: InternalDeps;
  authorized: boolean;
}

/** Constant-time comparison of the bearer token with the shared service token. */
function tokenMatches(header: string | undefined, expected: string): boolean {
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  if (!match) return false;
  const given = Buffer.from(match[1]!);
  const wanted = Buffer.from(expected);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

export function createInternalContext(deps: InternalDeps) {
  return ({ req }: CreateFastifyContextOptions): InternalContext => ({
    deps,
    authorized: tokenMatches(req.headers.authorization, deps.serviceToken),
  });
}

const t = initTRPC.context<InternalContext>().create({
  transformer: superjson,
  errorFormatter: ({ shape, error }) => ({
    ...shape,
    // The input field a refusal is about, so the portal can show it under that field.
    data: { ...shape.data, field: error.cause instanceof KeyAdminError ? error.cause.field : undefined },
  }),
});

export const router = t.router;

/** Every internal procedure: only callers holding the service token. */
export const serviceProcedure = t.procedure.use(({ ctx, next }) => {
  if (!ctx.authorized)
    throw new TRPCError({ code: "UNAUTHORIZED", message: "A valid service token is required." });
  return next();
});
