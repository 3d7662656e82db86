// Usage: totals and series from the daily rollup, the paged request log, CSV exports; seeded
// directly, plus one real /v1 request through the usage writer.
import { randomBytes } from "node:crypto";
import type { TUsageOutcome } from "@gw/contracts";
import { createApiKey, createOrganization, postLedgerEntry } from "@gw/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rejection, startPlatform, type TestPlatform } from "./support/platform.ts";

let p: TestPlatform;
let alice: Awaited<ReturnType<TestPlatform["signedIn"]>>;
let orgId: string;
let otherOrgId: string;
let p1: string;
let p2: string;
let k1: { id: string; prefix: string };
let k2: { id: string; prefix: string };
let otherProject: string;
let otherKey: string;

const day = (d: string) => new Date(`${d}T00:00:00.000Z`);
const zero = {
  requests: 0,
  errors: 0,
  inputTokens: 0n,
  outputTokens: 0n,
  cachedInputTokens: 0n,
  cacheWriteTokens: 0n,
  reasoningTokens: 0n,
  costMicros: 0n,
};

async function seedOrg(ownerUserId: string) {
  const { org, project } = await createOrganization(p.db.prisma, {
    slug: `usage-${randomBytes(4).toString("hex")}`,
    ownerUserId,
  });
  return { orgId: org.id, projectId: project.id };
}

interface SeedRecord {
  requestId: string;
  key: { id: string; projectId: string };
  createdAt: Date;
  model: string | null;
  requestedModel: string;
  outcome: TUsageOutcome;
  costMicros: bigint;
}
const records: SeedRecord[] = [];

beforeAll(async () => {
  p = await startPlatform();
  alice = await p.signedIn("alice");
  ({ orgId, projectId: p1 } = await seedOrg(alice.userId));
  p2 = (await p.db.prisma.project.create({ data: { orgId, slug: "mobile", name: "=SUM(A1)" } })).id;
  k1 = (await createApiKey(p.db.prisma, { orgId, projectId: p1, name: 'Key, "quoted"' })).record;
  k2 = (await createApiKey(p.db.prisma, { orgId, projectId: p2, name: "Mobile key" })).record;
  const bob = await p.signedIn("bob");
  ({ orgId: otherOrgId, projectId: otherProject } = await seedOrg(bob.userId));
  otherKey = (await createApiKey(p.db.prisma, { orgId: otherOrgId, projectId: otherProject, name: "B" }))
    .record.id;

  const daily = (
    d: string,
    projectId: string,
    apiKeyId: string,
    provider: string,
    model: string,
    n: Partial<typeof zero>,
    org = orgId,
  ) => ({ day: day(d), orgId: org, projectId, apiKeyId, provider, model, ...zero, ...n });
  await p.db.prisma.usageDaily.createMany({
    data: [
      daily("2026-03-01", p1, k1.id, "openai", "gpt-4o", {
        requests: 10,
        errors: 1,
        inputTokens: 1000n,
        outputTokens: 500n,
        cachedInputTokens: 100n,
        cacheWriteTokens: 10n,
        reasoningTokens: 5n,
        costMicros: 1_234_567n,
      }),
      daily("2026-03-01", p1, k1.id, "demo", "demo-chat", {
        requests: 5,
        inputTokens: 50n,
        outputTokens: 20n,
        costMicros: 7n,
      }),
      daily("2026-03-03", p2, k2.id, "openai", "gpt-4o", {
        requests: 3,
        errors: 2,
        inputTokens: 300n,
        outputTokens: 30n,
        costMicros: 1_000_000_000_001n,
      }),
      daily("2026-03-05", p1, k1.id, "anthropic", "claude", {
        requests: 1,
        inputTokens: 1n,
        outputTokens: 1n,
        costMicros: 1n,
      }),
      // Outside the range, and another organization's.
      daily("2026-02-28", p1, k1.id, "openai", "gpt-4o", { requests: 99, costMicros: 99n }),
      daily("2026-03-06", p1, k1.id, "openai", "gpt-4o", { requests: 99, costMicros: 99n }),
      daily(
        "2026-03-02",
        otherProject,
        otherKey,
        "openai",
        "gpt-4o",
        { requests: 77, costMicros: 77n },
        otherOrgId,
      ),
    ],
  });

  // 24 requests, four to each millisecond, inserted out of time order; plus edge cases.
  const base = Date.parse("2026-03-02T12:00:00.000Z");
  const order = Array.from({ length: 24 }, (_, i) => (i * 7) % 24);
  for (const i of order) {
    records.push({
      requestId: `req-${i}`,
      key: i % 2 ? { id: k2.id, projectId: p2 } : { id: k1.id, projectId: p1 },
      createdAt: new Date(base + Math.floor(i / 4) * 1000),
      model: i % 5 === 0 ? "demo-chat" : "gpt-4o",
      requestedModel: i % 5 === 0 ? "demo-chat" : "gpt-4o",
      outcome: i % 3 === 0 ? "upstream_error" : "success",
      costMicros: BigInt(i) * 1001n,
    });
  }
  records.push(
    {
      requestId: "req-last-ms-of-day",
      key: { id: k1.id, projectId: p1 },
      createdAt: new Date("2026-03-03T23:59:59.999Z"),
      model: null,
      requestedModel: "ghost-model",
      outcome: "client_error",
      costMicros: 0n,
    },
    {
      requestId: "req-next-day",
      key: { id: k1.id, projectId: p1 },
      createdAt: new Date("2026-03-04T00:00:00.000Z"),
      model: "gpt-4o",
      requestedModel: "gpt-4o",
      outcome: "success",
      costMicros: 1_000_000_000_001n,
    },
  );
  await p.db.prisma.usageRecord.createMany({
    data: [
      ...records.map((r) => ({
        requestId: r.requestId,
        orgId,
        projectId: r.key.projectId,
        apiKeyId: r.key.id,
        endpoint: "/v1/chat/completions",
        requestedModel: r.requestedModel,
        provider: r.model ? "openai" : null,
        model: r.model,
        inputTokens: 12,
        outputTokens: 3,
        costMicros: r.costMicros,
        latencyMs: 40,
        ttftMs: r.model ? 15 : null,
        outcome: r.outcome,
        httpStatus: r.outcome === "success" ? 200 : 502,
        errorCode: r.outcome === "success" ? null : "upstream_error",
        createdAt: r.createdAt,
      })),
      {
        requestId: "req-other-org",
        orgId: otherOrgId,
        projectId: otherProject,
        apiKeyId: otherKey,
        endpoint: "/v1/chat/completions",
        requestedModel: "gpt-4o",
        outcome: "success",
        httpStatus: 200,
        createdAt: new Date(base),
      },
    ],
  });
});
afterAll(() => p?.close());

const range = { from: "2026-03-01", to: "2026-03-05" };

describe("usage summary and series", () => {
  it("totals the rollup over the days of the range, both ends included, for this organization only", async () => {
    expect(await alice.trpc.usage.summary.query({ orgId, ...range })).toEqual({
      requests: 19,
      errors: 3,
      inputTokens: 1351n,
      outputTokens: 551n,
      cachedInputTokens: 100n,
      cacheWriteTokens: 10n,
      reasoningTokens: 5n,
      costMicros: 1_000_001_234_576n,
    });
    expect(await alice.trpc.usage.summary.query({ orgId, from: "2026-03-02", to: "2026-03-02" })).toEqual(
      zero,
    );
  });

  it("combines filters", async () => {
    const k1Gpt = await alice.trpc.usage.summary.query({ orgId, ...range, keyId: k1.id, model: "gpt-4o" });
    expect(k1Gpt).toMatchObject({ requests: 10, errors: 1, costMicros: 1_234_567n });
    const p2Only = await alice.trpc.usage.summary.query({ orgId, ...range, projectId: p2 });
    expect(p2Only).toMatchObject({ requests: 3, costMicros: 1_000_000_000_001n });
    const none = await alice.trpc.usage.summary.query({ orgId, ...range, projectId: p2, keyId: k1.id });
    expect(none).toEqual(zero);
  });

  it("by day: every day of the range, zeros included, oldest first", async () => {
    const rows = await alice.trpc.usage.timeseries.query({ orgId, ...range, groupBy: "day" });
    expect(rows.map((r) => [r.key, r.label, r.requests, r.costMicros])).toEqual([
      ["2026-03-01", "2026-03-01", 15, 1_234_574n],
      ["2026-03-02", "2026-03-02", 0, 0n],
      ["2026-03-03", "2026-03-03", 3, 1_000_000_000_001n],
      ["2026-03-04", "2026-03-04", 0, 0n],
      ["2026-03-05", "2026-03-05", 1, 1n],
    ]);
    expect(rows[1]).toEqual({ key: "2026-03-02", label: "2026-03-02", ...zero });
    expect(rows[0]).toMatchObject({
      inputTokens: 1050n,
      outputTokens: 520n,
      cachedInputTokens: 100n,
      errors: 1,
    });
    const filtered = await alice.trpc.usage.timeseries.query({
      orgId,
      ...range,
      groupBy: "day",
      keyId: k2.id,
    });
    expect(filtered.map((r) => r.requests)).toEqual([0, 0, 3, 0, 0]);
  });

  it("by model, key and project: labelled, most cost first", async () => {
    const byModel = await alice.trpc.usage.timeseries.query({ orgId, ...range, groupBy: "model" });
    expect(byModel.map((r) => [r.key, r.label, r.requests, r.costMicros])).toEqual([
      ["gpt-4o", "gpt-4o", 13, 1_000_001_234_568n],
      ["demo-chat", "demo-chat", 5, 7n],
      ["claude", "claude", 1, 1n],
    ]);
    const byKey = await alice.trpc.usage.timeseries.query({ orgId, ...range, groupBy: "key" });
    expect(byKey.map((r) => [r.key, r.label, r.requests])).toEqual([
      [k2.id, `Mobile key (${k2.prefix}...)`, 3],
      [k1.id, `Key, "quoted" (${k1.prefix}...)`, 16],
    ]);
    const byProject = await alice.trpc.usage.timeseries.query({
      orgId,
      ...range,
      groupBy: "project",
      model: "gpt-4o",
    });
    expect(byProject.map((r) => [r.key, r.label, r.requests, r.costMicros])).toEqual([
      [p2, "=SUM(A1)", 3, 1_000_000_000_001n],
      [p1, "Default project", 10, 1_234_567n],
    ]);
  });

  it("refuses bad ranges and ids of other organizations, with the field named", async () => {
    const backwards = await rejection(
      alice.trpc.usage.summary.query({ orgId, from: "2026-03-05", to: "2026-03-01" }),
    );
    expect(backwards.data?.code).toBe("BAD_REQUEST");
    expect(backwards.message).toBe("to: must not be before from");
    const long = await rejection(
      alice.trpc.usage.timeseries.query({ orgId, from: "2025-01-01", to: "2026-01-02", groupBy: "day" }),
    );
    expect(long.data?.code).toBe("BAD_REQUEST");
    expect(long.message).toBe("to: the range is at most 366 days");
    const year = await alice.trpc.usage.timeseries.query({
      orgId,
      from: "2024-01-01",
      to: "2024-12-31",
      groupBy: "day",
    });
    expect(year).toHaveLength(366);
    const badDay = await rejection(
      alice.trpc.usage.summary.query({ orgId, from: "2026-02-30", to: "2026-03-01" }),
    );
    expect(badDay.data?.code).toBe("BAD_REQUEST");
    expect(badDay.message).toMatch(/^from: /);
    // One call at a time: a call started before the previous one is awaited could reject unobserved.
    for (const call of [
      () => alice.trpc.usage.summary.query({ orgId, ...range, projectId: otherProject }),
      () => alice.trpc.usage.timeseries.query({ orgId, ...range, groupBy: "key", keyId: otherKey }),
      () => alice.trpc.usage.requests.query({ orgId, keyId: otherKey }),
      () => alice.trpc.usage.exportCsv.query({ orgId, kind: "daily", ...range, projectId: otherProject }),
      () => alice.trpc.usage.summary.query({ orgId: otherOrgId, ...range }),
    ]) {
      expect((await rejection(call())).data?.code).toBe("NOT_FOUND");
    }
  });

  it("is readable by a viewer", async () => {
    const viewer = await p.signedIn("viewer");
    await p.db.prisma.membership.create({ data: { orgId, userId: viewer.userId, role: "viewer" } });
    expect((await viewer.trpc.usage.summary.query({ orgId, ...range })).requests).toBe(19);
    expect((await viewer.trpc.usage.requests.query({ orgId, limit: 1 })).items).toHaveLength(1);
  });
});

describe("usage request log", () => {
  async function walk(
    input: Omit<Parameters<typeof alice.trpc.usage.requests.query>[0], "orgId" | "cursor">,
  ) {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 100; pages++) {
      const page = await alice.trpc.usage.requests.query({ orgId, ...input, ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(input.limit ?? 50);
      seen.push(...page.items.map((item) => item.requestId));
      if (!page.nextCursor) return seen;
      cursor = page.nextCursor;
    }
    throw new Error("too many pages");
  }

  /** The seeded requests the filter keeps, newest first; equal times by insertion (id) order, newest id first. */
  function expected(keep: (r: SeedRecord) => boolean) {
    const inserted = records.map((r, index) => ({ ...r, index }));
    return inserted
      .filter(keep)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.index - a.index)
      .map((r) => r.requestId);
  }

  it("pages newest first with no duplicates or gaps, across rows of equal time", async () => {
    const all = await walk({ limit: 5 });
    expect(all).toEqual(expected(() => true));
    expect(new Set(all).size).toBe(records.length);
    expect(await walk({ limit: 100 })).toEqual(all);
    const first = await alice.trpc.usage.requests.query({ orgId, limit: 1 });
    expect(first.items[0]).toMatchObject({
      requestId: "req-next-day",
      keyId: k1.id,
      keyPrefix: k1.prefix,
      projectId: p1,
      endpoint: "/v1/chat/completions",
      requestedModel: "gpt-4o",
      provider: "openai",
      model: "gpt-4o",
      stream: false,
      inputTokens: 12,
      outputTokens: 3,
      usageEstimated: false,
      costMicros: 1_000_000_000_001n,
      latencyMs: 40,
      ttftMs: 15,
      outcome: "success",
      httpStatus: 200,
      errorCode: null,
    });
    expect(first.items[0]?.createdAt).toEqual(new Date("2026-03-04T00:00:00.000Z"));
  });

  it("combines filters, days included whole in UTC", async () => {
    const filtered = await walk({ limit: 3, keyId: k2.id, outcome: "success", model: "gpt-4o" });
    expect(filtered).toEqual(
      expected((r) => r.key.id === k2.id && r.outcome === "success" && r.model === "gpt-4o"),
    );
    expect(filtered.length).toBeGreaterThan(3);
    expect(await walk({ limit: 10, projectId: p2 })).toEqual(expected((r) => r.key.id === k2.id));
    expect(await walk({ limit: 10, from: "2026-03-03", to: "2026-03-03" })).toEqual(["req-last-ms-of-day"]);
    expect(await walk({ limit: 10, from: "2026-03-04" })).toEqual(["req-next-day"]);
    expect(await walk({ limit: 10, to: "2026-03-02" })).toEqual(
      expected((r) => r.requestId.match(/^req-\d+$/) !== null),
    );
    // A request no model served is found by the model it asked for.
    expect(await walk({ limit: 10, model: "ghost-model" })).toEqual(["req-last-ms-of-day"]);
    expect(await walk({ limit: 10, outcome: "timeout" })).toEqual([]);
  });

  it("refuses a forged cursor and too large pages", async () => {
    const forged = await rejection(alice.trpc.usage.requests.query({ orgId, cursor: "not-a-cursor" }));
    expect(forged.data?.code).toBe("BAD_REQUEST");
    expect(forged.message).toMatch(/cursor/);
    const big = await rejection(alice.trpc.usage.requests.query({ orgId, limit: 101 }));
    expect(big.data?.code).toBe("BAD_REQUEST");
  });
});

describe("usage CSV export", () => {
  it("exports the rollup with names escaped, formulas defused and money exact", async () => {
    const exported = await alice.trpc.usage.exportCsv.query({ orgId, kind: "daily", ...range });
    expect(exported).toMatchObject({
      filename: "usage-daily-2026-03-01-to-2026-03-05.csv",
      rows: 4,
      truncated: false,
    });
    const lines = exported.csv.trimEnd().split("\n");
    expect(lines).toEqual([
      "day,project,key_name,key_prefix,provider,model,requests,errors,input_tokens,output_tokens,cached_input_tokens,cache_write_tokens,reasoning_tokens,cost_usd",
      `2026-03-01,Default project,"Key, ""quoted""",${k1.prefix},openai,gpt-4o,10,1,1000,500,100,10,5,1.234567`,
      `2026-03-01,Default project,"Key, ""quoted""",${k1.prefix},demo,demo-chat,5,0,50,20,0,0,0,0.000007`,
      `2026-03-03,'=SUM(A1),Mobile key,${k2.prefix},openai,gpt-4o,3,2,300,30,0,0,0,1000000.000001`,
      `2026-03-05,Default project,"Key, ""quoted""",${k1.prefix},anthropic,claude,1,0,1,1,0,0,0,0.000001`,
    ]);
    const filtered = await alice.trpc.usage.exportCsv.query({ orgId, kind: "daily", ...range, keyId: k2.id });
    expect(filtered.rows).toBe(1);
  });

  it("exports the request log, newest first, with the filters", async () => {
    const exported = await alice.trpc.usage.exportCsv.query({
      orgId,
      kind: "requests",
      from: "2026-03-03",
      to: "2026-03-04",
    });
    expect(exported).toMatchObject({
      filename: "usage-requests-2026-03-03-to-2026-03-04.csv",
      rows: 2,
      truncated: false,
    });
    const lines = exported.csv.trimEnd().split("\n");
    expect(lines[0]).toBe(
      "created_at,request_id,key_prefix,project_id,endpoint,requested_model,provider,model,stream,input_tokens,output_tokens,cached_input_tokens,cache_write_tokens,reasoning_tokens,usage_estimated,cost_usd,latency_ms,ttft_ms,outcome,http_status,error_code",
    );
    expect(lines.slice(1)).toEqual([
      `2026-03-04T00:00:00.000Z,req-next-day,${k1.prefix},${p1},/v1/chat/completions,gpt-4o,openai,gpt-4o,false,12,3,0,0,0,false,1000000.000001,40,15,success,200,`,
      `2026-03-03T23:59:59.999Z,req-last-ms-of-day,${k1.prefix},${p1},/v1/chat/completions,ghost-model,,,false,12,3,0,0,0,false,0.000000,40,,client_error,502,upstream_error`,
    ]);
    const failed = await alice.trpc.usage.exportCsv.query({
      orgId,
      kind: "requests",
      ...range,
      outcome: "upstream_error",
    });
    expect(failed.rows).toBe(records.filter((r) => r.outcome === "upstream_error").length);
  });
});

describe("usage of real requests", () => {
  it("shows a /v1 request in the log and the rollup once the usage writer flushed", async () => {
    const { orgId: liveOrg, projectId } = await seedOrg(alice.userId);
    await postLedgerEntry(p.db.prisma, {
      orgId: liveOrg,
      amountMicros: 5_000_000n,
      kind: "grant",
      idempotencyKey: `usage-test:${liveOrg}`,
    });
    const { id } = await alice.trpc.keys.create
      .mutate({ orgId: liveOrg, projectId, name: "Live" })
      .then(async (created) => {
        const response = await fetch(`${p.inferenceUrl}/v1/chat/completions`, {
          method: "POST",
          headers: { authorization: `Bearer ${created.key}`, "content-type": "application/json" },
          body: JSON.stringify({ model: "demo-chat", messages: [{ role: "user", content: "Hi" }] }),
        });
        expect(response.status).toBe(200);
        return created;
      });
    let page = await alice.trpc.usage.requests.query({ orgId: liveOrg });
    for (let tries = 0; page.items.length === 0 && tries < 50; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      page = await alice.trpc.usage.requests.query({ orgId: liveOrg });
    }
    expect(page.items).toHaveLength(1);
    const item = page.items[0];
    expect(item).toMatchObject({
      keyId: id,
      requestedModel: "demo-chat",
      provider: "demo",
      outcome: "success",
    });
    const today = new Date().toISOString().slice(0, 10);
    const totals = await alice.trpc.usage.summary.query({ orgId: liveOrg, from: today, to: today });
    expect(totals.requests).toBe(1);
    expect(totals.costMicros).toBe(item?.costMicros);
    expect(totals.inputTokens).toBe(BigInt(item?.inputTokens ?? -1));
  });
});
