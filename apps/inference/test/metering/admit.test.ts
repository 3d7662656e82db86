// Admission's two checks (rate limit, credit reservation): asked at once for a key with room under
// its limits, one after the other for a key near them; either way a refused request holds nothing.
import { describe, expect, it } from "vitest";
import type { KeyIdentity } from "../../src/auth/key-store.ts";
import { GatewayError } from "../../src/errors.ts";
import type { CreditStore } from "../../src/metering/credits/credit-store.ts";
import { createMemoryCreditStore } from "../../src/metering/credits/credit-store-memory.ts";
import { KeyHeadroom } from "../../src/metering/limits/headroom.ts";
import type { RateLimiter } from "../../src/metering/limits/rate-limit.ts";
import { createMemoryRateLimiter } from "../../src/metering/limits/rate-limit-memory.ts";
import { createMeter, type Meter } from "../../src/metering/meter.ts";
import { noopUsageRecorder } from "../../src/metering/usage/usage-recorder.ts";
import { createDemoAdapter } from "../../src/providers/demo/demo-adapter.ts";
import type { RegisteredProvider } from "../../src/routing/registry.ts";
import { FakeDb, USD } from "./credit-store-support.ts";

const provider: RegisteredProvider = {
  id: "demo",
  adapter: createDemoAdapter({ tokenDelayMs: 0 }),
  models: ["demo-chat"],
  serves: (model) => model === "demo-chat",
  timeoutMs: 10_000,
  freeModels: new Set(),
  ownedBy: "demo",
};

/** Records when each store call starts and answers, in order. */
function traced(calls: string[]) {
  const limiter = createMemoryRateLimiter();
  const db = new FakeDb();
  const credits = createMemoryCreditStore(db.loader);
  const tracedLimiter: RateLimiter = {
    consume: async (...args) => {
      calls.push("consume:start");
      const decision = await limiter.consume(...args);
      calls.push(`consume:${decision.allowed ? "allowed" : "refused"}`);
      return decision;
    },
    adjustTokens: (...args) => limiter.adjustTokens(...args),
    close: () => limiter.close(),
  };
  const tracedCredits: CreditStore = {
    ...credits,
    reserve: async (input) => {
      calls.push("reserve:start");
      const result = await credits.reserve(input);
      calls.push(`reserve:${result.ok ? "ok" : "refused"}`);
      return result;
    },
    release: async (requestId) => {
      calls.push("release");
      return credits.release(requestId);
    },
  };
  return { db, credits, limiter: tracedLimiter, tracedCredits };
}

function meterWith(limiter: RateLimiter, credits: CreditStore): Meter {
  return createMeter({
    limiter,
    credits,
    usage: noopUsageRecorder,
    prices: {
      get: () => ({ input: 1_000_000n, output: 1_000_000n, cachedInput: 0n, cacheWrite: 0n }),
      refresh: async () => {},
      close: () => {},
    },
    headroom: new KeyHeadroom(),
    reservationLeaseMs: 60_000,
    log: { warn: () => {}, error: () => {} },
  });
}

const identity = (rpmLimit: number | null): KeyIdentity => ({
  keyId: "key_1",
  orgId: "org_1",
  projectId: "project_1",
  prefix: "sk-test",
  status: "active",
  orgStatus: "active",
  isTest: false,
  allowedModels: [],
  expiresAt: null,
  trialEndAt: null,
  revokeAt: null,
  rpmLimit,
  tpmLimit: null,
  spendLimitMicros: null,
});

let nextId = 0;
const request = (key: KeyIdentity) => ({
  requestId: `req_${++nextId}`,
  identity: key,
  route: {
    requested: "demo-chat",
    targets: [{ provider, model: "demo-chat" }],
    fallbackOn: new Set<never>(),
  },
  promptTokens: 10,
  maxOutputTokens: 90, // 100 tokens at 1 USD per million: 100 µ$ reserved (with the prompt margin, a bit more)
});

describe("admission", () => {
  it("asks one after the other for a new key, then both at once while the key has room", async () => {
    const calls: string[] = [];
    const { db, limiter, tracedCredits } = traced(calls);
    db.grant("org_1", USD);
    const meter = meterWith(limiter, tracedCredits);
    const key = identity(100);

    await meter.admit(request(key));
    expect(calls.splice(0)).toEqual(["consume:start", "consume:allowed", "reserve:start", "reserve:ok"]);
    await meter.admit(request(key));
    expect(calls.splice(0)).toEqual(["reserve:start", "consume:start", "reserve:ok", "consume:allowed"]);
  });

  it("gives back the reservation made alongside a refused rate-limit check, and goes one after the other near the limit", async () => {
    const calls: string[] = [];
    const { db, credits, limiter, tracedCredits } = traced(calls);
    db.grant("org_1", USD);
    const meter = meterWith(limiter, tracedCredits);
    const key = identity(20); // "room": at least 2 requests (a tenth) left after this one

    const outcomes: string[] = [];
    for (let i = 0; i < 22; i += 1) {
      calls.splice(0);
      const ticket = await meter.admit(request(key)).catch((error: unknown) => error);
      outcomes.push(ticket instanceof GatewayError ? ticket.code : "admitted");
      if (i === 1) expect(calls[0]).toBe("reserve:start"); // room: both at once
      if (i >= 20) expect(calls).toEqual(["consume:start", "consume:refused"]); // near the limit: no reservation tried
    }
    expect(outcomes.filter((o) => o === "admitted")).toHaveLength(20);
    expect(outcomes.slice(20)).toEqual(["rate_limit_exceeded", "rate_limit_exceeded"]);
    // 20 admitted tickets hold their reservations; the refused requests hold none.
    expect(await credits.reservedMicros("org_1")).toBe(20n * (await reservedPerRequest()));
  });

  it("releases a concurrent reservation when the limiter refuses a key that had room a moment ago", async () => {
    const calls: string[] = [];
    const { db, credits, limiter, tracedCredits } = traced(calls);
    db.grant("org_1", USD);
    const meter = meterWith(limiter, tracedCredits);
    const roomy = identity(1000);
    await meter.admit(request(roomy)); // noted: room
    const reservedBefore = await credits.reservedMicros("org_1");
    // The key's token limit is lowered below what a request needs: the next check refuses.
    calls.splice(0);
    const error = await meter.admit(request({ ...identity(1000), tpmLimit: 50 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe("rate_limit_exceeded");
    expect(calls).toEqual(["reserve:start", "consume:start", "reserve:ok", "consume:refused", "release"]);
    expect(await credits.reservedMicros("org_1")).toBe(reservedBefore);
  });
});

/** What one request of `request()` reserves: the store's own view after a single admission. */
async function reservedPerRequest(): Promise<bigint> {
  const probe = createMemoryCreditStore(async () => ({ balanceMicros: USD, keySpentMicros: 0n }));
  const meter = meterWith(createMemoryRateLimiter(), probe);
  await meter.admit(request(identity(null)));
  return probe.reservedMicros("org_1");
}
