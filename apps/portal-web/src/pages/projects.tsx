// Projects: group keys and usage. Create, rename, archive, unarchive.
import { type TProject, ZCreateProjectInput, ZProjectName } from "@gw/contracts";
import { zodResolver } from "@hookform/resolvers/zod";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { type Column, DataTable } from "../components/data-table.tsx";
import { Dialog } from "../components/dialog.tsx";
import { CheckboxField, FormActions, TextField } from "../components/field.tsx";
import { MutationError, QueryState } from "../components/query-state.tsx";
import { StatusBadge } from "../components/status-badge.tsx";
import { formatDate } from "../lib/format.ts";
import { useOrg } from "../lib/session.tsx";
import { trpc } from "../lib/trpc.ts";

const ZProjectForm = ZCreateProjectInput.omit({ orgId: true });
const ZRenameForm = z.object({ name: ZProjectName });

function CreateProjectDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const org = useOrg();
  const utils = trpc.useUtils();
  const form = useForm({ resolver: zodResolver(ZProjectForm), defaultValues: { name: "", slug: "" } });
  const close = () => {
    form.reset();
    create.reset();
    onClose();
  };
  const create = trpc.projects.create.useMutation({
    onSuccess: async () => {
      await utils.projects.list.invalidate();
      close();
    },
  });
  return (
    <Dialog open={open} title="New project" onClose={close}>
      <form noValidate onSubmit={form.handleSubmit((values) => create.mutate({ orgId: org.id, ...values }))}>
        <TextField label="Name" error={form.formState.errors.name?.message} {...form.register("name")} />
        <TextField
          label="Slug"
          hint="Lowercase letters, digits and dashes."
          error={form.formState.errors.slug?.message}
          {...form.register("slug")}
        />
        <MutationError error={create.error} />
        <FormActions
          onCancel={close}
          pending={create.isPending}
          label="Create project"
          pendingLabel="Creating…"
        />
      </form>
    </Dialog>
  );
}

function RenameProjectDialog({ project, onClose }: { project: TProject | undefined; onClose: () => void }) {
  const org = useOrg();
  const utils = trpc.useUtils();
  const form = useForm({ resolver: zodResolver(ZRenameForm), values: { name: project?.name ?? "" } });
  const rename = trpc.projects.rename.useMutation({
    onSuccess: async () => {
      await utils.projects.list.invalidate();
      rename.reset();
      onClose();
    },
  });
  return (
    <Dialog open={Boolean(project)} title="Rename project" onClose={onClose}>
      <form
        noValidate
        onSubmit={form.handleSubmit(
          (values) => project && rename.mutate({ orgId: org.id, projectId: project.id, ...values }),
        )}
      >
        <TextField label="Name" error={form.formState.errors.name?.message} {...form.register("name")} />
        <MutationError error={rename.error} />
        <FormActions onCancel={onClose} pending={rename.isPending} label="Save" />
      </form>
    </Dialog>
  );
}

export function ProjectsPage() {
  const org = useOrg();
  const utils = trpc.useUtils();
  const [includeArchived, setIncludeArchived] = useState(false);
  const [creating, setCreating] = useState(false);
  const [renaming, setRenaming] = useState<TProject>();
  const projects = trpc.projects.list.useQuery({ orgId: org.id, includeArchived });
  const done = { onSuccess: () => utils.projects.list.invalidate() };
  const archive = trpc.projects.archive.useMutation(done);
  const unarchive = trpc.projects.unarchive.useMutation(done);
  const manage = org.can("projects:manage");
  const columns: Column<TProject>[] = [
    { header: "Name", cell: (p) => p.name },
    { header: "Slug", cell: (p) => <code>{p.slug}</code> },
    { header: "Status", cell: (p) => <StatusBadge status={p.archivedAt ? "archived" : "active"} /> },
    { header: "Created", cell: (p) => formatDate(p.createdAt) },
  ];
  if (manage) {
    columns.push({
      header: "Actions",
      cell: (p) => (
        <div className="row-actions">
          <button type="button" className="button-small" onClick={() => setRenaming(p)}>
            Rename<span className="visually-hidden"> {p.name}</span>
          </button>
          {p.archivedAt ? (
            <button
              type="button"
              className="button-small"
              onClick={() => unarchive.mutate({ orgId: org.id, projectId: p.id })}
            >
              Unarchive<span className="visually-hidden"> {p.name}</span>
            </button>
          ) : (
            <button
              type="button"
              className="button-small"
              onClick={() => archive.mutate({ orgId: org.id, projectId: p.id })}
            >
              Archive<span className="visually-hidden"> {p.name}</span>
            </button>
          )}
        </div>
      ),
    });
  }
  return (
    <div className="page">
      <header className="page-header">
        <h1>Projects</h1>
        {manage && (
          <button type="button" className="button-primary" onClick={() => setCreating(true)}>
            New project
          </button>
        )}
      </header>
      <p className="muted">Every key belongs to a project; usage and statements break down by project.</p>
      <CheckboxField
        label="Show archived projects"
        checked={includeArchived}
        onChange={(event) => setIncludeArchived(event.target.checked)}
      />
      <MutationError error={archive.error ?? unarchive.error} />
      <QueryState query={projects} isEmpty={(rows) => rows.length === 0} empty="No projects.">
        {(rows) => (
          <DataTable caption="Projects" hideCaption columns={columns} rows={rows} rowKey={(p) => p.id} />
        )}
      </QueryState>
      <CreateProjectDialog open={creating} onClose={() => setCreating(false)} />
      <RenameProjectDialog project={renaming} onClose={() => setRenaming(undefined)} />
    </div>
  );
}
