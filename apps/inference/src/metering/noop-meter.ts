// Metering off (METERING=off, for benchmarks of the bare proxy): the Meter's shape with no work.
// Every request is admitted as it was resolved, costs nothing, and leaves no usage record.
import { type Admission, type Meter, NO_CHARGE } from "./meter.ts";
import { NO_COST } from "./pricing/cost.ts";
import { noopUsageRecorder } from "./usage/usage-recorder.ts";

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

export const noopMeter: Meter = {
  admit: (request) =>
    Promise.resolve<Admission>({
      route: request.route,
      headers: NO_HEADERS,
      boundsOutput: false,
      reservedMicros: 0n,
      promptCost: NO_COST,
    }),
  limit: () => Promise.resolve(NO_HEADERS),
  settle: () => NO_CHARGE,
  priced: () => false,
  usage: noopUsageRecorder,
  close: () => Promise.resolve(),
};
