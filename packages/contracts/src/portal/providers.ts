// Portal providers procedures: inputs and outputs.
import { z } from "zod";
export const ZProvidersPlaceholder = z.never().optional();
