// tRPC for the portal: one place that turns domain errors into tRPC errors, and the procedure
// kinds every router builds on. Each procedure says in its meta who may call it; the cross-org
// test reads that meta to try every org procedure from another organization.
import { can, type TPermission } from "@gw/contracts";
import { initTRPC, type TRPC_ERROR_CODE_KEY, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { z } from "zod";
import { PortalError, type PortalErrorReason } from "../services/errors.ts";
import { orgMembership } from "../services/org-access.ts";
import type { PortalContext } from "./context.ts";

export type ProcedureAccess =
  | { kind: "public" }
  | { kind: "user" }
  | { kind: "org"; permission: TPermission }
  | { kind: "admin" };

export interface PortalMeta {
  access: ProcedureAccess;
}

const codes: Record<PortalErrorReason, TRPC_ERROR_CODE_KEY> = {
  invalid: "BAD_REQUEST",
  unauthenticated: "UNAUTHORIZED",
  forbidden: "FORBIDDEN",
  not_found: "NOT_FOUND",
  conflict: "CONFLICT",
  precondition_failed: "PRECONDITION_FAILED",
  rate_limited: "TOO_MANY_REQUESTS",
  unavailable: "SERVICE_UNAVAILABLE",
};

/** One line a person can act on, from a zod failure: "email: Invalid email address". */
function describeZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "Invalid input.";
  const path = issue.path.join(".");
  return path ? `${path}: ${issue.message}` : issue.message;
}

/** A domain refusal of one field, in the shape of zod's field errors. */
function domainField(cause: unknown): Record<string, string[] | undefined> | undefined {
  return cause instanceof PortalError && cause.field ? { [cause.field]: [cause.message] } : undefined;
}

const t = initTRPC
  .context<PortalContext>()
  .meta<PortalMeta>()
  .create({
    transformer: superjson,
    errorFormatter({ shape, error }) {
      const zod = error.cause instanceof z.ZodError ? error.cause : undefined;
      const internal = error.code === "INTERNAL_SERVER_ERROR";
      return {
        ...shape,
        // Unknown failures never leak their message; validation failures say which field.
        message: internal
          ? "Something went wrong on our side. Try again."
          : zod
            ? describeZodError(zod)
            : shape.message,
        data: {
          code: shape.data.code,
          httpStatus: shape.data.httpStatus,
          path: shape.data.path,
          fieldErrors: zod
            ? (z.flattenError(zod).fieldErrors as Record<string, string[] | undefined>)
            : domainField(error.cause),
          retryAfterSeconds: error.cause instanceof PortalError ? error.cause.retryAfterSeconds : undefined,
        },
      };
    },
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Domain errors to tRPC errors, in one place. */
const mapDomainErrors = t.middleware(async ({ ctx, next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof PortalError) {
    const cause = result.error.cause;
    if (cause.retryAfterSeconds !== undefined) ctx.res.header("retry-after", String(cause.retryAfterSeconds));
    throw new TRPCError({ code: codes[cause.reason], message: cause.message, cause });
  }
  return result;
});

const base = t.procedure.use(mapDomainErrors);

export const publicProcedure = base.meta({ access: { kind: "public" } });

/** A signed-in user. */
export const userProcedure = base.meta({ access: { kind: "user" } }).use(({ ctx, next }) => {
  if (!ctx.session) throw new PortalError("unauthenticated", "Sign in first.");
  return next({ ctx: { session: ctx.session, user: ctx.session.user } });
});

/** A platform admin. */
export const adminProcedure = base.meta({ access: { kind: "admin" } }).use(({ ctx, next }) => {
  if (!ctx.session) throw new PortalError("unauthenticated", "Sign in first.");
  if (!ctx.session.user.isPlatformAdmin)
    throw new PortalError("forbidden", "Only platform admins can do this.");
  return next({ ctx: { session: ctx.session, user: ctx.session.user } });
});

export const ZOrgScoped = z.object({ orgId: z.uuid() });

/**
 * A member of the organization named by `input.orgId` whose role has `permission`. Not a
 * member: NOT_FOUND, so ids of other organizations reveal nothing. Every id in the rest of the
 * input must then be looked up within `ctx.org.id`.
 */
export function orgProcedure(permission: TPermission) {
  return base
    .meta({ access: { kind: "org", permission } })
    .input(ZOrgScoped)
    .use(async ({ ctx, input, next }) => {
      if (!ctx.session) throw new PortalError("unauthenticated", "Sign in first.");
      const membership = await orgMembership(ctx.services.db.prisma, ctx.session.user.id, input.orgId);
      if (!membership) throw new PortalError("not_found", "Organization not found.");
      if (!can(membership.role, permission)) {
        throw new PortalError("forbidden", `Your role (${membership.role}) cannot do this.`);
      }
      if (membership.org.status === "suspended" && !permission.endsWith(":read")) {
        throw new PortalError("forbidden", "This organization is suspended; contact support.");
      }
      return next({
        ctx: { session: ctx.session, user: ctx.session.user, org: membership.org, role: membership.role },
      });
    });
}
