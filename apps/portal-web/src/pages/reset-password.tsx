import { ZRequestPasswordResetInput, ZResetPasswordInput } from "@gw/contracts";
import { zodResolver } from "@hookform/resolvers/zod";
import { useForm } from "react-hook-form";
import { Link, useSearchParams } from "react-router";
import { AuthCard } from "../components/auth-card.tsx";
import { TextField } from "../components/field.tsx";
import { Alert, MutationError } from "../components/query-state.tsx";
import { trpc } from "../lib/trpc.ts";

export function ForgotPasswordPage() {
  const form = useForm({ resolver: zodResolver(ZRequestPasswordResetInput), defaultValues: { email: "" } });
  const request = trpc.auth.requestPasswordReset.useMutation();
  return (
    <AuthCard title="Reset your password">
      {request.data ? (
        request.data.mailed ? (
          <Alert kind="success">
            <p>If an account exists for that address, a reset link is on its way. It works once.</p>
          </Alert>
        ) : (
          <Alert kind="info">
            <p>
              This installation sends no mail. Ask your operator for a reset link:{" "}
              <code>npm run cli -- --help</code> shows how they make one.
            </p>
          </Alert>
        )
      ) : (
        <form onSubmit={form.handleSubmit((values) => request.mutate(values))} noValidate>
          <TextField
            label="Email"
            type="email"
            autoComplete="email"
            error={form.formState.errors.email?.message}
            {...form.register("email")}
          />
          <MutationError error={request.error} />
          <button type="submit" className="button-primary" disabled={request.isPending}>
            Send reset link
          </button>
        </form>
      )}
      <p>
        <Link to="/sign-in">Back to sign in</Link>
      </p>
    </AuthCard>
  );
}

export function ResetPasswordPage() {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const form = useForm({
    resolver: zodResolver(ZResetPasswordInput),
    defaultValues: { token, password: "" },
  });
  const reset = trpc.auth.resetPassword.useMutation();
  if (!token) {
    return (
      <AuthCard title="Choose a new password">
        <Alert kind="error">
          <p>This link has no reset token. Open the link from your email again, or ask for a new one.</p>
        </Alert>
        <p>
          <Link to="/forgot-password">Ask for a new link</Link>
        </p>
      </AuthCard>
    );
  }
  return (
    <AuthCard title="Choose a new password">
      {reset.isSuccess ? (
        <>
          <Alert kind="success">
            <p>Your password is changed. Sign in with the new one.</p>
          </Alert>
          <p>
            <Link to="/sign-in">Sign in</Link>
          </p>
        </>
      ) : (
        <form onSubmit={form.handleSubmit((values) => reset.mutate(values))} noValidate>
          <input type="hidden" {...form.register("token")} />
          <TextField
            label="New password"
            type="password"
            autoComplete="new-password"
            hint="At least 10 characters."
            error={form.formState.errors.password?.message ?? form.formState.errors.token?.message}
            {...form.register("password")}
          />
          <MutationError error={reset.error} />
          <button type="submit" className="button-primary" disabled={reset.isPending}>
            Set password
          </button>
        </form>
      )}
    </AuthCard>
  );
}
