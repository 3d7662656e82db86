// Create an organization; the first one is where a new account starts.
import { ZCreateOrgInput } from "@gw/contracts";
import { zodResolver } from "@hookform/resolvers/zod";
import { useForm } from "react-hook-form";
import { useNavigate } from "react-router";
import { AuthCard } from "../components/auth-card.tsx";
import { FormActions, TextField } from "../components/field.tsx";
import { MutationError } from "../components/query-state.tsx";
import { trpc } from "../lib/trpc.ts";

/** "Acme Inc." -> "acme-inc" */
function slugify(name: string): string {
  return name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/, "");
}

export function NewOrgPage() {
  const navigate = useNavigate();
  const utils = trpc.useUtils();
  const orgs = trpc.orgs.list.useQuery();
  const form = useForm({ resolver: zodResolver(ZCreateOrgInput), defaultValues: { name: "", slug: "" } });
  const create = trpc.orgs.create.useMutation({
    onSuccess: async (org) => {
      await utils.orgs.list.invalidate();
      navigate(`/o/${org.slug}?welcome=1`);
    },
  });
  const errors = form.formState.errors;
  const slugTouched = form.formState.dirtyFields.slug;
  const first = orgs.data?.length === 0;
  return (
    <AuthCard title={first ? "Create your organization" : "New organization"}>
      <p>
        {first
          ? "Keys, usage, credits and members belong to an organization. Create one to get started; you can invite others later."
          : "A separate organization has its own keys, credits and members."}
      </p>
      <form onSubmit={form.handleSubmit((values) => create.mutate(values))} noValidate>
        <TextField
          label="Name"
          autoComplete="organization"
          error={errors.name?.message}
          {...form.register("name", {
            onChange: (event: React.ChangeEvent<HTMLInputElement>) => {
              if (!slugTouched) form.setValue("slug", slugify(event.target.value));
            },
          })}
        />
        <TextField
          label="Slug"
          hint="Lowercase letters, digits and dashes; used in links."
          error={errors.slug?.message}
          {...form.register("slug")}
        />
        <MutationError error={create.error} />
        <FormActions
          onCancel={first ? undefined : () => navigate("/")}
          pending={create.isPending}
          label="Create organization"
          pendingLabel="Creating…"
        />
      </form>
    </AuthCard>
  );
}
