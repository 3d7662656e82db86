// The role-matrix runner both matrix test files share: for each role and each case, the call is
// allowed or FORBIDDEN exactly as packages/contracts/src/portal/permissions.ts says; a refused call
// changes nothing, an allowed change writes its audit row, an allowed read changes nothing.
import { can, type TMemberRole, type TPermission } from "@gw/contracts";
import { describe, expect, it } from "vitest";
import { type PortalClient, rejection, type TestPlatform } from "./platform.ts";

export interface RoleCase<F> {
  permission: TPermission;
  /** The audit action an allowed call writes; none for reads. */
  action?: string;
  /** The error an allowed call answers on this installation instead of succeeding; never FORBIDDEN. */
  allowedError?: string;
  call(client: PortalClient, fixture: F): Promise<unknown>;
}

export const memberRoles: TMemberRole[] = ["owner", "admin", "member", "viewer"];

export function describeRoleMatrix<F extends { orgId: string }>(options: {
  cases: Record<string, RoleCase<F>>;
  platform: () => TestPlatform;
  caller: () => PortalClient & { userId: string };
  /** A new organization where the caller has `role`, with something to act on for every case. */
  fixture: (role: TMemberRole) => Promise<F>;
  /** Everything of the organization a call could change, comparable as text. */
  snapshot: (orgId: string) => Promise<string>;
}) {
  for (const role of memberRoles) {
    describe(role, () => {
      for (const [path, c] of Object.entries(options.cases)) {
        const allowed = can(role, c.permission);
        it(`${path}: ${allowed ? "allowed" : "FORBIDDEN"}`, async () => {
          const caller = options.caller();
          const f = await options.fixture(role);
          const before = await options.snapshot(f.orgId);
          if (!allowed) {
            const refused = await rejection(c.call(caller, f));
            expect(refused.data?.code).toBe("FORBIDDEN");
            expect(refused.message).toBe(`Your role (${role}) cannot do this.`);
            expect(await options.snapshot(f.orgId)).toBe(before);
            return;
          }
          if (c.allowedError) {
            expect((await rejection(c.call(caller, f))).data?.code).toBe(c.allowedError);
            return;
          }
          await c.call(caller, f);
          if (!c.action) {
            expect(await options.snapshot(f.orgId)).toBe(before);
            return;
          }
          // A deleted organization's rows keep it as their target (org_id is cleared).
          const row = await options.platform().db.prisma.auditLog.findFirst({
            where: {
              action: c.action,
              actorUserId: caller.userId,
              OR: [{ orgId: f.orgId }, { targetId: f.orgId }],
            },
          });
          expect(row, `${path} wrote no ${c.action} audit row`).not.toBeNull();
        });
      }
    });
  }
}
