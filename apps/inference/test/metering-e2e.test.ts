// Metering end to end: every request is limited, paid for before it goes upstream, and recorded
// exactly once; the ledger always equals the usage.
import { runCli } from "@gw/db/cli";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startGateway, type TestGateway } from "./support/gateway.ts";
import { type MockOpenAI, startMockOpenAI } from "./support/mock-openai.ts";

const ask = { messages: [{ role: "user" as const, content: "hello" }] };

async function totals(gw: TestGateway) {
  const [usage, ledger, org] = await Promise.all([
    gw.db.prisma.usageRecord.aggregate({
      where: { orgId: gw.orgId },
      _sum: { costMicros: true },
      _count: true,
    }),
    gw.db.prisma.creditLedgerEntry.aggregate({
      where: { orgId: gw.orgId, kind: "usage" },
      _sum: { amountMicros: true },
    }),
    gw.db.prisma.organization.findUniqueOrThrow({ where: { id: gw.orgId } }),
  ]);
  return {
    records: usage._count,
    usageCost: usage._sum.costMicros ?? 0n,
    ledgerUsage: ledger._sum.amountMicros ?? 0n,
    balance: org.balanceMicros,
  };
}

const recordsOf = (gw: TestGateway) =>
  gw.db.prisma.usageRecord.findMany({ where: { orgId: gw.orgId }, orderBy: { id: "asc" } });

describe("credits", () => {
  let gw: TestGateway;
  // max_tokens 1000 on demo-chat ($0.50/M in, $1.50/M out) reserves ~1,530 µ$; 10 fit in 15,400.
  const balance = 15_400n;
  beforeAll(async () => {
    // Each reply streams ~50 tokens 40 ms apart (~2 s), so all 100 are admitted while the first
    // ones still hold their reservations, also on a loaded CI machine.
    gw = await startGateway({ DEMO_TOKEN_DELAY_MS: "40" }, { creditMicros: balance });
  });
  afterAll(() => gw.close());

  it("never spends past the balance under 100 concurrent requests, and the ledger equals the usage", async () => {
    const client = new OpenAI({ apiKey: gw.key, baseURL: gw.baseURL, maxRetries: 0 });
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, () =>
        client.chat.completions.create({ model: "demo-chat", max_tokens: 1000, ...ask }),
      ),
    );
    const ok = results.filter((r) => r.status === "fulfilled");
    const refused = results.filter((r) => r.status === "rejected");
    expect(ok.length).toBe(10);
    for (const r of refused) {
      expect((r.reason as { status: number }).status).toBe(402);
      expect((r.reason as { error: { type: string } }).error.type).toBe("insufficient_quota");
    }
    const after = await eventually<Awaited<ReturnType<typeof totals>>>(async () => {
      const t = await totals(gw);
      return t.records === 100 && t.ledgerUsage !== 0n ? t : undefined;
    });
    expect(after.ledgerUsage).toBe(-after.usageCost);
    expect(after.balance).toBe(balance - after.usageCost);
    expect(after.balance).toBeGreaterThanOrEqual(0n);
    const records = await recordsOf(gw);
    expect(records.filter((r) => r.outcome === "success")).toHaveLength(10);
    expect(records.filter((r) => r.outcome === "insufficient_quota")).toHaveLength(90);
    expect(new Set(records.map((r) => r.requestId)).size).toBe(100);
    expect((await gw.internal.credits.reserved.query({ orgId: gw.orgId })).reservedMicros).toBe(0n);
  });
});

describe("fallback and failures", () => {
  let nebius: MockOpenAI;
  let deepinfra: MockOpenAI;
  let gw: TestGateway;
  let client: OpenAI;
  beforeAll(async () => {
    nebius = await startMockOpenAI();
    deepinfra = await startMockOpenAI();
    gw = await startGateway({
      NEBIUS_API_KEY: "k",
      NEBIUS_BASE_URL: nebius.url,
      DEEPINFRA_API_KEY: "k",
      DEEPINFRA_BASE_URL: deepinfra.url,
    });
    client = new OpenAI({ apiKey: gw.key, baseURL: gw.baseURL, maxRetries: 0 });
  });
  afterAll(async () => {
    await gw.close();
    await nebius.close();
    await deepinfra.close();
  });

  it("bills the target that served a fallback, at its price", async () => {
    nebius.setBehavior({ status: 500 });
    const { data, response } = await client.chat.completions
      .create({ model: "llama-70b", ...ask })
      .withResponse();
    nebius.setBehavior(undefined);
    const requestId = response.headers.get("x-request-id")!;
    const record = await eventually(() =>
      gw.db.prisma.usageRecord.findUnique({ where: { requestId } }).then((r) => r ?? undefined),
    );
    expect(record).toMatchObject({
      provider: "deepinfra",
      model: "meta-llama/Meta-Llama-3.1-70B-Instruct",
      outcome: "success",
      attempts: 2,
    });
    expect(record.inputTokens).toBe(data.usage!.prompt_tokens);
    // deepinfra 70B: $0.23/M in, $0.40/M out, each part rounded up.
    const expected =
      BigInt(Math.ceil((data.usage!.prompt_tokens * 0.23e6) / 1e6)) +
      BigInt(Math.ceil((data.usage!.completion_tokens * 0.4e6) / 1e6));
    expect(record.costMicros).toBe(expected);
  });

  it("releases the reservation of a failed request and records it at zero cost", async () => {
    nebius.setBehavior({ status: 500 });
    deepinfra.setBehavior({ status: 500 });
    const { response } = await client.chat.completions
      .create({ model: "llama-70b", ...ask })
      .withResponse()
      .catch((e: { headers: Headers }) => ({ response: e }));
    nebius.setBehavior(undefined);
    deepinfra.setBehavior(undefined);
    const requestId = (response.headers as Headers).get("x-request-id")!;
    const record = await eventually(() =>
      gw.db.prisma.usageRecord.findUnique({ where: { requestId } }).then((r) => r ?? undefined),
    );
    expect(record).toMatchObject({ outcome: "upstream_error", httpStatus: 502, costMicros: 0n, attempts: 2 });
    expect((await gw.internal.credits.reserved.query({ orgId: gw.orgId })).reservedMicros).toBe(0n);
  });

  it("records what was streamed when the client disconnects, estimated with the tokenizer", async () => {
    nebius.setBehavior({ chunks: 100, chunkDelayMs: 15 });
    const controller = new AbortController();
    let requestId = "";
    let seen = 0;
    try {
      const { data: stream, response } = await client.chat.completions
        .create({ model: "llama-70b", ...ask, stream: true }, { signal: controller.signal })
        .withResponse();
      requestId = response.headers.get("x-request-id")!;
      for await (const chunk of stream)
        if (chunk.choices[0]?.delta.content && ++seen === 4) controller.abort();
    } catch {}
    nebius.setBehavior(undefined);
    const record = await eventually(() =>
      gw.db.prisma.usageRecord.findUnique({ where: { requestId } }).then((r) => r ?? undefined),
    );
    expect(record).toMatchObject({ outcome: "cancelled", usageEstimated: true, stream: true });
    expect(record.outputTokens).toBeGreaterThanOrEqual(4);
    expect(record.outputTokens).toBeLessThan(100);
    expect(record.costMicros).toBeGreaterThan(0n);
    expect(await gw.db.prisma.usageRecord.count({ where: { requestId } })).toBe(1);
  });
});

describe("rate limits", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw.close());

  it("admits exactly the key's requests per minute, with OpenAI headers, and refused requests use no quota", async () => {
    const key = await gw.newKey({ rpmLimit: 5 });
    const send = () =>
      fetch(`${gw.baseURL}/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "demo-chat", ...ask }),
      });
    const responses = await Promise.all(Array.from({ length: 20 }, send));
    expect(responses.filter((r) => r.status === 200)).toHaveLength(5);
    const refused = responses.find((r) => r.status === 429)!;
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(refused.headers.get("x-ratelimit-limit-requests")).toBe("5");
    expect(refused.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("rate_limit_exceeded");
    const ok = responses.find((r) => r.status === 200)!;
    expect(ok.headers.get("x-ratelimit-limit-requests")).toBe("5");
    expect(ok.headers.get("x-ratelimit-reset-requests")).toMatch(/s$/);
  });

  it("records requests refused for their model too: one usage record per request", async () => {
    const key = await gw.newKey({ allowedModels: ["demo-embed"] });
    const responses = await Promise.all(
      ["no-such-model", "demo-chat"].map((model) =>
        fetch(`${gw.baseURL}/chat/completions`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body: JSON.stringify({ model, ...ask }),
        }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual([404, 403]);
    const ids = responses.map((r) => r.headers.get("x-request-id")!);
    const records = await eventually(async () => {
      const rows = await gw.db.prisma.usageRecord.findMany({
        where: { requestId: { in: ids } },
        orderBy: { httpStatus: "desc" },
      });
      return rows.length === 2 ? rows : undefined;
    });
    expect(records.map((r) => [r.outcome, r.httpStatus, r.errorCode, r.costMicros])).toEqual([
      ["client_error", 404, "model_not_found", 0n],
      ["client_error", 403, "model_not_allowed", 0n],
    ]);
  });

  it("refuses a request larger than the key's tokens per minute", async () => {
    const key = await gw.newKey({ tpmLimit: 100 });
    const response = await fetch(`${gw.baseURL}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "demo-chat", max_tokens: 500, ...ask }),
    });
    expect(response.status).toBe(429);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain(
      "more than this key's limit of 100 tokens per minute",
    );
  });
});

describe("operator flow", () => {
  it("grant credits, spend them, get 402, grant more, continue", async () => {
    const gw = await startGateway({}, { creditMicros: 0n });
    try {
      const org = await gw.db.prisma.organization.findUniqueOrThrow({ where: { id: gw.orgId } });
      const io = { out: () => {}, err: () => {} };
      const cli = (...argv: string[]) => runCli(argv, io, async () => ({ ...gw.db, close: async () => {} }));
      const client = new OpenAI({ apiKey: gw.key, baseURL: gw.baseURL, maxRetries: 0 });
      const request = () =>
        client.chat.completions.create({ model: "demo-chat", max_tokens: 100, ...ask }).then(
          () => 200,
          (e: { status: number }) => e.status,
        );
      expect(await request()).toBe(402);
      // A thousandth of a dollar: a few dozen demo replies.
      expect(await cli("credits", "grant", org.slug, "0.001")).toBe(0);
      await gw.internal.credits.refresh.mutate({ orgId: gw.orgId });
      let served = 0;
      for (let status = await request(); status === 200 && served < 100; status = await request()) served++;
      expect(served).toBeGreaterThan(3);
      expect(served).toBeLessThan(100);
      const spent = await eventually<Awaited<ReturnType<typeof totals>>>(async () => {
        const t = await totals(gw);
        return t.records === served + 2 ? t : undefined;
      });
      expect(spent.balance).toBeGreaterThanOrEqual(0n);
      expect(spent.usageCost).toBe(1_000n - spent.balance);
      expect(await cli("credits", "grant", org.slug, "1")).toBe(0);
      await gw.internal.credits.refresh.mutate({ orgId: gw.orgId });
      expect(await request()).toBe(200);
    } finally {
      await gw.close();
    }
  });
});
