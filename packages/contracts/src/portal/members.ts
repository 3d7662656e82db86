// Portal members procedures: inputs and outputs.
import { z } from "zod";
export const ZMembersPlaceholder = z.never().optional();
