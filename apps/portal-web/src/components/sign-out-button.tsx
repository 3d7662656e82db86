import { useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "react-router";
import { rememberSessionKey } from "../lib/session-key.ts";
import { trpc } from "../lib/trpc.ts";

export function SignOutButton() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const signOut = trpc.auth.signOut.useMutation({
    onSettled: () => {
      rememberSessionKey(undefined);
      queryClient.clear();
      navigate("/sign-in");
    },
  });
  return (
    <button
      type="button"
      className="button-secondary"
      onClick={() => signOut.mutate()}
      disabled={signOut.isPending}
    >
      Sign out
    </button>
  );
}
