import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGuardedFetch } from "../src/index.ts";

let hits = 0;
const server = createServer((req, res) => {
  hits++;
  if (req.url === "/redirect") {
    res.writeHead(302, { location: "/ok" }).end();
    return;
  }
  res.end("ok");
});
let port = 0;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("guarded fetch", () => {
  it("refuses loopback by name (checked at connect time) and by literal address, without a request", async () => {
    const guarded = createGuardedFetch({ allowPrivate: false });
    const before = hits;
    await expect(guarded(`http://localhost:${port}/ok`)).rejects.toThrow();
    await expect(guarded(`http://127.0.0.1:${port}/ok`)).rejects.toThrow();
    await expect(guarded(`http://[::ffff:127.0.0.1]:${port}/ok`)).rejects.toThrow();
    expect(hits).toBe(before);
  });

  it("allows private hosts when the operator says so, but never follows redirects", async () => {
    const open = createGuardedFetch({ allowPrivate: true });
    expect(await (await open(`http://127.0.0.1:${port}/ok`)).text()).toBe("ok");
    await expect(open(`http://127.0.0.1:${port}/redirect`)).rejects.toThrow();
  });
});
