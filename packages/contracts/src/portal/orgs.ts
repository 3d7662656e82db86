// Portal orgs procedures: inputs and outputs.
import { z } from "zod";
export const ZOrgsPlaceholder = z.never().optional();
