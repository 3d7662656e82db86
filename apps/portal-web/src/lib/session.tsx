// The signed-in user and the current organization, as React context for the pages under them.
import { can, type TCurrentUser, type TOrgSummary, type TPermission } from "@gw/contracts";
import { createContext, useContext } from "react";

export const UserContext = createContext<TCurrentUser | undefined>(undefined);

export function useUser(): TCurrentUser {
  const user = useContext(UserContext);
  if (!user) throw new Error("useUser outside RequireUser");
  return user;
}

export interface CurrentOrg extends TOrgSummary {
  /** What the caller's role allows here (the written matrix in @gw/contracts). */
  can: (permission: TPermission) => boolean;
}

export const OrgContext = createContext<CurrentOrg | undefined>(undefined);

export function useOrg(): CurrentOrg {
  const org = useContext(OrgContext);
  if (!org) throw new Error("useOrg outside OrgLayout");
  return org;
}

export function currentOrg(summary: TOrgSummary): CurrentOrg {
  return { ...summary, can: (permission) => can(summary.role, permission) };
}
