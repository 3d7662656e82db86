// After signing in or up: remember who is signed in and go where the person was headed.
import type { TCurrentUser } from "@gw/contracts";
import { useNavigate, useSearchParams } from "react-router";
import { safeNext } from "../components/auth-card.tsx";
import { trpc } from "./trpc.ts";

export function useSignedIn() {
  const [params] = useSearchParams();
  const next = safeNext(params.get("next"));
  const navigate = useNavigate();
  const utils = trpc.useUtils();
  const onSignedIn = async (user: TCurrentUser) => {
    utils.auth.me.setData(undefined, user);
    await utils.orgs.invalidate();
    navigate(next, { replace: true });
  };
  /** The query string that carries `next` on to the other auth page. */
  const nextQuery = next === "/" ? "" : `?next=${encodeURIComponent(next)}`;
  return { onSignedIn, nextQuery };
}
