// Portal admin procedures: inputs and outputs.
import { z } from "zod";
export const ZAdminPlaceholder = z.never().optional();
