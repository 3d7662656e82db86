import {
  ZUsageExport,
  ZUsageExportInput,
  ZUsageRequestsInput,
  ZUsageRequestsPage,
  ZUsageSeriesRow,
  ZUsageSummaryInput,
  ZUsageTimeseriesInput,
  ZUsageTotals,
} from "@gw/contracts";
import { z } from "zod";
import * as usage from "../services/usage.ts";
import { exportUsageCsv } from "../services/usage-export.ts";
import { usageRequests } from "../services/usage-requests.ts";
import { orgProcedure, router } from "../trpc/trpc.ts";

export const usageRouter = router({
  summary: orgProcedure("usage:read")
    .input(ZUsageSummaryInput)
    .output(ZUsageTotals)
    .query(({ ctx, input }) => usage.usageSummary(ctx.services, ctx.org.id, input)),
  timeseries: orgProcedure("usage:read")
    .input(ZUsageTimeseriesInput)
    .output(z.array(ZUsageSeriesRow))
    .query(({ ctx, input }) => usage.usageTimeseries(ctx.services, ctx.org.id, input)),
  requests: orgProcedure("usage:read")
    .input(ZUsageRequestsInput)
    .output(ZUsageRequestsPage)
    .query(({ ctx, input }) => usageRequests(ctx.services, ctx.org.id, input)),
  /** A query: it reads only, and the web app fetches it when asked to download. */
  exportCsv: orgProcedure("usage:read")
    .input(ZUsageExportInput)
    .output(ZUsageExport)
    .query(({ ctx, input }) => exportUsageCsv(ctx.services, ctx.org.id, input)),
});
