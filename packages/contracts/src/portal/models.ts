// Portal models procedures: inputs and outputs.
import { z } from "zod";
export const ZModelsPlaceholder = z.never().optional();
