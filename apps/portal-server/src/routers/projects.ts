import {
  ZCreateProjectInput,
  ZListProjectsInput,
  ZProject,
  ZProjectRefInput,
  ZRenameProjectInput,
} from "@gw/contracts";
import { z } from "zod";
import { orgActor } from "../services/orgs-common.ts";
import * as projects from "../services/projects.ts";
import { orgProcedure, router } from "../trpc/trpc.ts";

export const projectsRouter = router({
  /** Active projects, oldest first; archived ones too with includeArchived. */
  list: orgProcedure("projects:read")
    .input(ZListProjectsInput)
    .output(z.array(ZProject))
    .query(({ ctx, input }) =>
      projects.listProjects(ctx.services, ctx.org.id, input.includeArchived ?? false),
    ),
  create: orgProcedure("projects:manage")
    .input(ZCreateProjectInput)
    .output(ZProject)
    .mutation(({ ctx, input }) => projects.createProject(ctx.services, orgActor(ctx), input)),
  rename: orgProcedure("projects:manage")
    .input(ZRenameProjectInput)
    .output(ZProject)
    .mutation(({ ctx, input }) => projects.renameProject(ctx.services, orgActor(ctx), input)),
  /** Refused for the last active project and while the project has working API keys. */
  archive: orgProcedure("projects:manage")
    .input(ZProjectRefInput)
    .output(ZProject)
    .mutation(({ ctx, input }) => projects.archiveProject(ctx.services, orgActor(ctx), input.projectId)),
  unarchive: orgProcedure("projects:manage")
    .input(ZProjectRefInput)
    .output(ZProject)
    .mutation(({ ctx, input }) => projects.unarchiveProject(ctx.services, orgActor(ctx), input.projectId)),
});
