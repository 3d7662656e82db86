// Who may do what in an organization: the written permission matrix, enforced in one place (the
// portal server's org procedures) and read by the web app to hide controls a role cannot use.
import type { TMemberRole } from "../enums.ts";

export const permissions = [
  "org:read",
  "org:update",
  "org:delete",
  "members:read",
  "members:invite",
  "members:manage",
  "projects:read",
  "projects:manage",
  "keys:read",
  "keys:manage",
  "usage:read",
  "billing:read",
  "billing:manage",
  "providers:read",
  "providers:manage",
  "audit:read",
] as const;

export type TPermission = (typeof permissions)[number];

const read: TPermission[] = [
  "org:read",
  "members:read",
  "projects:read",
  "keys:read",
  "usage:read",
  "billing:read",
  "providers:read",
];

/**
 * | permission        | owner | admin | member | viewer |
 * | ----------------- | ----- | ----- | ------ | ------ |
 * | *:read (above)    |   x   |   x   |   x    |   x    |
 * | keys:manage       |   x   |   x   |   x    |        |
 * | projects:manage   |   x   |   x   |        |        |
 * | members:invite    |   x   |   x   |        |        |
 * | members:manage    |   x   |   x   |        |        |
 * | providers:manage  |   x   |   x   |        |        |
 * | billing:manage    |   x   |   x   |        |        |
 * | audit:read        |   x   |   x   |        |        |
 * | org:update        |   x   |   x   |        |        |
 * | org:delete        |   x   |       |        |        |
 *
 * On top of the matrix: only an owner may make someone an owner or change an owner's role, and
 * the last owner can neither leave nor be demoted nor removed.
 */
export const rolePermissions: Record<TMemberRole, ReadonlySet<TPermission>> = {
  owner: new Set(permissions),
  admin: new Set(permissions.filter((p) => p !== "org:delete")),
  member: new Set([...read, "keys:manage"]),
  viewer: new Set(read),
};

export function can(role: TMemberRole, permission: TPermission): boolean {
  return rolePermissions[role].has(permission);
}
