// Portal billing procedures: inputs and outputs.
import { z } from "zod";
export const ZBillingPlaceholder = z.never().optional();
