// The billing rules of the pipeline, against the real stores (in process, and on Redis with
// TEST_REDIS_URL) and a mock upstream speaking OpenAI's wire format: every choice of `n` (and
// `best_of`) is reserved and charged; the charge is what the upstream reported, even past the
// reservation; a response without usage is charged from what was relayed and flagged, an explicit
// zero stays zero; a model the gateway does not serve is a 404 however it is spelled, an unpriced
// one a 403, and neither reaches the upstream; ledger = usage = rollup throughout.
import { createApiKey, createOrganization, type Database, postLedgerEntry, seedPrices } from "@gw/db";
import { createTestDatabase } from "@gw/db/testing";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startGateway, type TestGateway } from "./support/gateway.ts";
import { type MockOpenAI, startMockOpenAI } from "./support/mock-openai.ts";
import { moneyTotals } from "./support/money.ts";

const redisUrl = process.env.TEST_REDIS_URL;
const STORES = [
  { name: "credit store in process", env: {} as Record<string, string>, skip: false },
  { name: "credit store on Redis", env: { REDIS_URL: redisUrl ?? "" }, skip: !redisUrl },
];

const ask = { messages: [{ role: "user" as const, content: "Say hello." }] };
const MILLION = 1_000_000n;
const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

interface Price {
  input: bigint;
  output: bigint;
}

async function priceOf(db: Database, provider: string, model: string): Promise<Price> {
  const row = await db.prisma.modelPrice.findFirstOrThrow({
    where: { provider, model },
    orderBy: { effectiveFrom: "desc" },
  });
  return { input: row.inputPerMTokMicros, output: row.outputPerMTokMicros };
}

/** The charge of a usage at a price, computed here independently of the gateway. */
const costAt = (price: Price, input: number, output: number) =>
  ceilDiv(BigInt(input) * price.input, MILLION) + ceilDiv(BigInt(output) * price.output, MILLION);

async function setPrice(db: Database, provider: string, model: string, input: bigint, output: bigint) {
  await db.prisma.modelPrice.create({
    data: {
      provider,
      model,
      inputPerMTokMicros: input,
      outputPerMTokMicros: output,
      effectiveFrom: new Date(Date.now() - 60_000),
    },
  });
}

for (const store of STORES) {
  describe.skipIf(store.skip)(`billing rules (${store.name})`, () => {
    let db: Database;
    let upstream: MockOpenAI;
    let gw: TestGateway;
    let client: OpenAI;
    const logLines: string[] = [];
    /** Requests sent with the main org's key: each must leave exactly one usage record. */
    let sent = 0;

    const recordOf = (requestId: string) =>
      eventually(() =>
        db.prisma.usageRecord.findUnique({ where: { requestId } }).then((r) => r ?? undefined),
      );

    /** A second org with its own (small) credit and key. */
    async function orgWithCredit(micros: bigint) {
      const { org, project } = await createOrganization(db.prisma, {
        slug: `billing-${Math.random().toString(36).slice(2, 10)}`,
      });
      await postLedgerEntry(db.prisma, {
        orgId: org.id,
        amountMicros: micros,
        kind: "grant",
        idempotencyKey: `grant:${org.id}`,
      });
      const { key } = await createApiKey(db.prisma, { orgId: org.id, projectId: project.id, name: "small" });
      return { orgId: org.id, client: new OpenAI({ apiKey: key, baseURL: gw.baseURL, maxRetries: 0 }) };
    }

    beforeAll(async () => {
      upstream = await startMockOpenAI();
      db = await createTestDatabase();
      await seedPrices(db.prisma);
      // acme/instruct: dear output, so best_of makes a visible difference; acme/unpriced: no price.
      await setPrice(db, "acme", "instruct", 1_000_000n, 100_000_000n);
      // Priced but not in the openai provider's model list: served (an operator priced it).
      await setPrice(db, "openai", "gpt-4o-mini-2024-07-18", 150_000n, 600_000n);
      gw = await startGateway(
        {
          ...store.env,
          LOG_LEVEL: "warn",
          OPENAI_API_KEY: "sk-upstream-openai",
          OPENAI_BASE_URL: upstream.url,
          DEFAULT_MAX_OUTPUT_TOKENS: "1000",
          MINI_LLM_PROVIDERS: JSON.stringify([
            { id: "acme", baseUrl: upstream.url, apiKey: "acme-key", models: ["instruct", "unpriced"] },
          ]),
        },
        { db, logStream: { write: (line) => void logLines.push(line) } },
      );
      client = new OpenAI({ apiKey: gw.key, baseURL: gw.baseURL, maxRetries: 0 });
    });
    afterAll(async () => {
      await gw?.close();
      await db?.close();
      await upstream?.close();
    });

    it("reserves every choice of n: a balance that fits one choice refuses eight, before the upstream", async () => {
      const small = await orgWithCredit(300n); // one choice of 100 tokens: ~65 µ$; eight: ~485 µ$
      const calls = upstream.requests.length;
      await small.client.chat.completions.create({ model: "gpt-4o-mini", max_tokens: 100, ...ask });
      const refused = await small.client.chat.completions
        .create({ model: "gpt-4o-mini", max_tokens: 100, n: 8, ...ask })
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(OpenAI.APIError);
      expect((refused as InstanceType<typeof OpenAI.APIError>).status).toBe(402);
      expect(upstream.requests.length).toBe(calls + 1);
      // Without a cap, the injected one (1,000 tokens) counts for each choice too.
      const uncapped = await small.client.chat.completions
        .create({ model: "gpt-4o-mini", n: 2, ...ask })
        .catch((error: unknown) => error);
      expect((uncapped as InstanceType<typeof OpenAI.APIError>).status).toBe(402);
    });

    it("charges all n choices the upstream reports, streamed or not", async () => {
      const price = await priceOf(db, "openai", "gpt-4o-mini");
      upstream.setBehavior({ usage: { completionTokens: 800 } });
      const response = await client.chat.completions
        .create({ model: "gpt-4o-mini", max_tokens: 100, n: 8, ...ask })
        .withResponse();
      sent++;
      upstream.setBehavior(undefined);
      expect(response.data.choices).toHaveLength(8);
      const record = await recordOf(response.response.headers.get("x-request-id")!);
      expect(record).toMatchObject({ outputTokens: 800, usageEstimated: false, outcome: "success" });
      expect(record.costMicros).toBe(costAt(price, record.inputTokens, 800));
      expect(record.costMicros).toBeGreaterThan(480n); // 800 tokens at $0.60/M, and the prompt

      const stream = await client.chat.completions
        .create({ model: "gpt-4o-mini", max_tokens: 100, n: 3, stream: true, ...ask })
        .withResponse();
      sent++;
      const indexes = new Set<number>();
      for await (const chunk of stream.data) for (const choice of chunk.choices) indexes.add(choice.index);
      expect(indexes).toEqual(new Set([0, 1, 2]));
      const streamed = await recordOf(stream.response.headers.get("x-request-id")!);
      expect(streamed).toMatchObject({ outputTokens: 18, usageEstimated: false, stream: true }); // 6 per choice
      expect(streamed.costMicros).toBe(costAt(price, streamed.inputTokens, 18));
    });

    it("reserves and charges best_of completions on legacy completions", async () => {
      const small = await orgWithCredit(2_500n); // 10 tokens at $100/M: 1,000 µ$ a completion
      await small.client.completions.create({ model: "acme/instruct", prompt: "Hi", max_tokens: 10 });
      const refused = await small.client.completions
        .create({ model: "acme/instruct", prompt: "Hi", max_tokens: 10, best_of: 4, n: 2 })
        .catch((error: unknown) => error);
      expect((refused as InstanceType<typeof OpenAI.APIError>).status).toBe(402);

      const price = await priceOf(db, "acme", "instruct");
      const done = await client.completions
        .create({ model: "acme/instruct", prompt: "Hi", max_tokens: 10, best_of: 4, n: 2 })
        .withResponse();
      sent++;
      expect(done.data.choices).toHaveLength(2);
      const record = await recordOf(done.response.headers.get("x-request-id")!);
      expect(record).toMatchObject({ outputTokens: 24, outcome: "success" }); // 6 tokens x best_of 4
      expect(record.costMicros).toBe(costAt(price, record.inputTokens, 24));
    });

    it("charges a response without usage from what was relayed, flagged; an explicit zero stays zero", async () => {
      const price = await priceOf(db, "openai", "gpt-4o-mini");
      upstream.setBehavior({ usage: { omit: true } });
      const plain = await client.chat.completions.create({ model: "gpt-4o-mini", ...ask }).withResponse();
      const streamed = await client.chat.completions
        .create({ model: "gpt-4o-mini", stream: true, stream_options: { include_usage: true }, ...ask })
        .withResponse();
      let text = "";
      for await (const chunk of streamed.data) text += chunk.choices[0]?.delta.content ?? "";
      const embedded = await client.embeddings
        .create({ model: "text-embedding-3-small", input: "some words to embed" })
        .withResponse();
      sent += 3;
      upstream.setBehavior({ usage: { promptTokens: 0, completionTokens: 0 } });
      const zero = await client.chat.completions.create({ model: "gpt-4o-mini", ...ask }).withResponse();
      sent++;
      upstream.setBehavior(undefined);

      expect(plain.data.usage).toBeUndefined();
      expect(text).toBe("Hello from the mock upstream.");
      for (const response of [plain, streamed]) {
        const record = await recordOf(response.response.headers.get("x-request-id")!);
        expect(record).toMatchObject({ usageEstimated: true, outcome: "success" });
        expect(record.inputTokens).toBeGreaterThan(0);
        expect(record.outputTokens).toBeGreaterThan(0);
        expect(record.costMicros).toBe(costAt(price, record.inputTokens, record.outputTokens));
        expect(record.costMicros).toBeGreaterThan(0n);
      }
      const embedding = await recordOf(embedded.response.headers.get("x-request-id")!);
      expect(embedding).toMatchObject({ usageEstimated: true, outputTokens: 0 });
      expect(embedding.inputTokens).toBeGreaterThan(0);
      expect(embedding.costMicros).toBeGreaterThan(0n);

      const nothing = await recordOf(zero.response.headers.get("x-request-id")!);
      expect(nothing).toMatchObject({
        inputTokens: 0,
        outputTokens: 0,
        costMicros: 0n,
        usageEstimated: false,
      });
    });

    it("charges usage past the reservation in full, says so in the log, and the balance goes below zero by that much only", async () => {
      const initial = 1_000n;
      const small = await orgWithCredit(initial);
      const price = await priceOf(db, "openai", "gpt-4o-mini");
      upstream.setBehavior({ usage: { completionTokens: 5_000 } }); // asked for 10 tokens at most
      const response = await small.client.chat.completions
        .create({ model: "gpt-4o-mini", max_tokens: 10, ...ask })
        .withResponse();
      upstream.setBehavior(undefined);
      const requestId = response.response.headers.get("x-request-id")!;
      const record = await recordOf(requestId);
      expect(record.outputTokens).toBe(5_000);
      expect(record.costMicros).toBe(costAt(price, record.inputTokens, 5_000)); // 3,000 µ$ and the prompt
      const balance = await eventually(async () => {
        const org = await db.prisma.organization.findUniqueOrThrow({ where: { id: small.orgId } });
        return org.balanceMicros !== initial ? org.balanceMicros : undefined;
      });
      expect(balance).toBe(initial - record.costMicros);
      expect(balance).toBeLessThan(0n);
      const line = logLines.find(
        (text) => text.includes(requestId) && text.includes("exceeded its reservation"),
      );
      expect(line).toBeDefined();
      const logged = JSON.parse(line!) as { costMicros: string; reservedMicros: string; overMicros: string };
      expect(BigInt(logged.costMicros)).toBe(record.costMicros);
      // Below zero by no more than what the upstream's usage went past the reservation.
      expect(-balance).toBeLessThanOrEqual(BigInt(logged.overMicros));
      // The next request of the org finds no credit.
      const next = await small.client.chat.completions
        .create({ model: "gpt-4o-mini", max_tokens: 10, ...ask })
        .catch((error: unknown) => error);
      expect((next as InstanceType<typeof OpenAI.APIError>).status).toBe(402);
    });

    it("answers 404 model_not_found for any model it does not serve, however spelled, without calling the upstream", async () => {
      const calls = upstream.requests.length;
      const names = [
        "openai/__proto__",
        "openai/constructor",
        "openai/x?y=1",
        "openai/gpt-4o-mini/../../x",
        "a//b",
        "../..",
        "__proto__",
        "toString",
        "openai/",
        "no-such-model",
      ];
      for (const model of names) {
        const response = await fetch(`${gw.baseURL}/chat/completions`, {
          method: "POST",
          headers: { authorization: `Bearer ${gw.key}`, "content-type": "application/json" },
          body: JSON.stringify({ model, ...ask }),
        });
        sent++;
        expect(response.status, model).toBe(404);
        expect(await response.json(), model).toMatchObject({
          error: { code: "model_not_found", type: "not_found_error", param: "model" },
        });
        const record = await recordOf(response.headers.get("x-request-id")!);
        expect(record).toMatchObject({ outcome: "client_error", httpStatus: 404, costMicros: 0n });
        const detail = await fetch(`${gw.baseURL}/models/${encodeURIComponent(model)}`, {
          headers: { authorization: `Bearer ${gw.key}` },
        });
        expect(detail.status, model).toBe(404);
      }
      expect(upstream.requests.length).toBe(calls);
    });

    it("serves a priced model its provider does not list, and refuses an unpriced one with 403 before the upstream", async () => {
      await client.chat.completions.create({ model: "openai/gpt-4o-mini-2024-07-18", ...ask });
      sent++;
      const calls = upstream.requests.length;
      const response = await fetch(`${gw.baseURL}/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${gw.key}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "acme/unpriced", ...ask }),
      });
      sent++;
      expect(response.status).toBe(403);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("model_not_priced");
      expect(body.error.message).toMatch(/acme\/unpriced has no price/);
      expect(upstream.requests.length).toBe(calls);
      const record = await recordOf(response.headers.get("x-request-id")!);
      expect(record).toMatchObject({ outcome: "gateway_error", httpStatus: 403, costMicros: 0n });
    });

    it("keeps ledger = usage = rollup, one record per request, and nothing reserved", async () => {
      const totals = await eventually(async () => {
        const t = await moneyTotals(db, gw.orgId);
        return t.records === sent && t.ledgerUsage === -t.cost ? t : undefined;
      });
      expect(totals.rollupCost).toBe(totals.cost);
      expect(totals.rollupRequests).toBe(sent);
      expect(totals.balance).toBe(100_000_000n - totals.cost);
      await eventually(async () =>
        (await gw.internal.credits.reserved.query({ orgId: gw.orgId })).reservedMicros === 0n
          ? true
          : undefined,
      );
    });
  });
}
