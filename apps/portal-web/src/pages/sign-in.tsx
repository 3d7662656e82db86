import { ZSignInInput } from "@gw/contracts";
import { zodResolver } from "@hookform/resolvers/zod";
import { useForm } from "react-hook-form";
import { Link } from "react-router";
import { AuthCard } from "../components/auth-card.tsx";
import { FormActions, TextField } from "../components/field.tsx";
import { MutationError } from "../components/query-state.tsx";
import { trpc } from "../lib/trpc.ts";
import { useSignedIn } from "../lib/use-signed-in.ts";

export function SignInPage() {
  const { onSignedIn, nextQuery } = useSignedIn();
  const form = useForm({ resolver: zodResolver(ZSignInInput), defaultValues: { email: "", password: "" } });
  const signIn = trpc.auth.signIn.useMutation({ onSuccess: onSignedIn });
  const errors = form.formState.errors;
  return (
    <AuthCard title="Sign in">
      <form onSubmit={form.handleSubmit((values) => signIn.mutate(values))} noValidate>
        <TextField
          label="Email"
          type="email"
          autoComplete="email"
          error={errors.email?.message}
          {...form.register("email")}
        />
        <TextField
          label="Password"
          type="password"
          autoComplete="current-password"
          error={errors.password?.message}
          {...form.register("password")}
        />
        <MutationError error={signIn.error} />
        <FormActions pending={signIn.isPending} label="Sign in" pendingLabel="Signing in…" />
      </form>
      <p>
        New here? <Link to={`/sign-up${nextQuery}`}>Create an account</Link>
      </p>
      <p>
        <Link to="/forgot-password">Forgot your password?</Link>
      </p>
    </AuthCard>
  );
}
