// Portal audit procedures: inputs and outputs.
import { z } from "zod";
export const ZAuditPlaceholder = z.never().optional();
