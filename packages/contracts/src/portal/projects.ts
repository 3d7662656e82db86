// Portal projects procedures: inputs and outputs.
import { z } from "zod";
import { ZSlug } from "../identifiers.ts";

const ZId = z.uuid();

export const ZProjectName = z.string().trim().min(1, "enter a name").max(100);

export const ZListProjectsInput = z.object({ orgId: ZId, includeArchived: z.boolean().optional() });
export const ZCreateProjectInput = z.object({ orgId: ZId, slug: ZSlug, name: ZProjectName });
export const ZRenameProjectInput = z.object({ orgId: ZId, projectId: ZId, name: ZProjectName });
export const ZProjectRefInput = z.object({ orgId: ZId, projectId: ZId });

export const ZProject = z.object({
  id: z.uuid(),
  slug: z.string(),
  name: z.string(),
  archivedAt: z.date().nullable(),
  createdAt: z.date(),
});
export type TProject = z.infer<typeof ZProject>;
