// Portal projects procedures: inputs and outputs.
import { z } from "zod";
export const ZProjectsPlaceholder = z.never().optional();
