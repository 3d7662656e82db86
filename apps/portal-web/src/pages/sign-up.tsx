import { ZSignUpInput } from "@gw/contracts";
import { zodResolver } from "@hookform/resolvers/zod";
import { useForm } from "react-hook-form";
import { Link } from "react-router";
import { z } from "zod";
import { AuthCard } from "../components/auth-card.tsx";
import { FormActions, TextField } from "../components/field.tsx";
import { MutationError } from "../components/query-state.tsx";
import { trpc } from "../lib/trpc.ts";
import { useSignedIn } from "../lib/use-signed-in.ts";

/** The contract's input; a blank optional name is no name. */
const ZSignUpForm = ZSignUpInput.extend({
  name: z
    .literal("")
    .transform(() => undefined)
    .or(ZSignUpInput.shape.name),
});

export function SignUpPage() {
  const { onSignedIn, nextQuery } = useSignedIn();
  const form = useForm({
    resolver: zodResolver(ZSignUpForm),
    defaultValues: { email: "", password: "", name: "" },
  });
  const signUp = trpc.auth.signUp.useMutation({ onSuccess: onSignedIn });
  const errors = form.formState.errors;
  return (
    <AuthCard title="Create your account">
      <form onSubmit={form.handleSubmit((values) => signUp.mutate(values))} noValidate>
        <TextField
          label="Name (optional)"
          autoComplete="name"
          error={errors.name?.message}
          {...form.register("name")}
        />
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
          autoComplete="new-password"
          hint="At least 10 characters."
          error={errors.password?.message}
          {...form.register("password")}
        />
        <MutationError error={signUp.error} />
        <FormActions pending={signUp.isPending} label="Create account" pendingLabel="Creating…" />
      </form>
      <p>
        Have an account? <Link to={`/sign-in${nextQuery}`}>Sign in</Link>
      </p>
    </AuthCard>
  );
}
