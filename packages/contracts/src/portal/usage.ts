// Portal usage procedures: inputs and outputs.
import { z } from "zod";
export const ZUsagePlaceholder = z.never().optional();
