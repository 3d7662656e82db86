// Portal keys procedures: inputs and outputs.
import { z } from "zod";
export const ZKeysPlaceholder = z.never().optional();
