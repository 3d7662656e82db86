// orgs.changed: after the portal suspends or reactivates an organization, its keys follow at once,
// although the key cache would otherwise keep serving the old status for up to its TTL.
import { createTRPCClient, httpLink } from "@trpc/client";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InternalRouter } from "../src/internal/router-type.ts";
import { startGateway, type TestGateway } from "./support/gateway.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw?.close());

async function chat(key: string) {
  const response = await fetch(`${gw.baseURL}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "demo-chat", messages: [{ role: "user", content: "hi" }], max_tokens: 5 }),
  });
  return { status: response.status, body: (await response.json()) as { error?: { message: string } } };
}

const setStatus = (status: "active" | "suspended") =>
  gw.db.prisma.organization.update({ where: { id: gw.orgId }, data: { status } });

describe("internal orgs.changed", () => {
  it("makes every key of a suspended org stop at once, and work again after reactivation", async () => {
    const second = await gw.newKey();
    expect((await chat(gw.key)).status).toBe(200);
    expect((await chat(second)).status).toBe(200);

    await setStatus("suspended");
    // Cached: without the notice, the key still works.
    expect((await chat(gw.key)).status).toBe(200);
    expect(await gw.internal.orgs.changed.mutate({ orgId: gw.orgId })).toEqual({ keys: 2 });
    for (const key of [gw.key, second]) {
      const refused = await chat(key);
      expect(refused.status).toBe(401);
      expect(refused.body.error?.message).toMatch(/suspended/);
    }

    await setStatus("active");
    await gw.internal.orgs.changed.mutate({ orgId: gw.orgId });
    expect((await chat(gw.key)).status).toBe(200);
    expect((await chat(second)).status).toBe(200);
  });

  it("answers for an org without keys, and only to holders of the service token", async () => {
    expect(await gw.internal.orgs.changed.mutate({ orgId: crypto.randomUUID() })).toEqual({ keys: 0 });
    const stranger = createTRPCClient<InternalRouter>({
      links: [httpLink({ url: `${gw.url}/internal/trpc`, transformer: superjson })],
    });
    await expect(stranger.orgs.changed.mutate({ orgId: gw.orgId })).rejects.toMatchObject({
      data: { code: "UNAUTHORIZED" },
    });
  });
});
