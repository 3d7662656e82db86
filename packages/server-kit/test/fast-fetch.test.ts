import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFastFetch } from "../src/index.ts";

let closedEarly = 0;
const server = createServer((req, res) => {
  if (req.url === "/echo") {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c;
    });
    req.on("end", () => {
      res.writeHead(201, { "content-type": "application/json", "x-multi": ["a", "b"] });
      res.end(JSON.stringify({ method: req.method, auth: req.headers.authorization, body }));
    });
    return;
  }
  if (req.url === "/empty") return void res.writeHead(204).end();
  if (req.url === "/moved") return void res.writeHead(302, { location: "/echo" }).end();
  if (req.url === "/slow-stream") {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write("data: 1\n\n");
    const timer = setInterval(() => res.write("data: x\n\n"), 20);
    res.on("close", () => {
      clearInterval(timer);
      if (!res.writableFinished) closedEarly++;
    });
  }
});
let base = "";
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("fast fetch on undici.request", () => {
  const fastFetch = createFastFetch();

  it("sends method, headers and body, and returns status, headers and body", async () => {
    const response = await fastFetch(`${base}/echo`, {
      method: "POST",
      headers: new Headers({ authorization: "Bearer k", "content-type": "application/json" }),
      body: JSON.stringify({ a: 1 }),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get("x-multi")).toBe("a, b");
    expect(await response.json()).toEqual({ method: "POST", auth: "Bearer k", body: '{"a":1}' });
  });

  it("answers headers case-insensitively and reads bodies as text, once", async () => {
    const response = await fastFetch(`${base}/echo`, { method: "POST", body: "x" });
    expect(response.ok).toBe(true);
    expect(response.headers.get("Content-Type")).toBe("application/json");
    expect(response.headers.has("X-Multi")).toBe(true);
    expect(response.headers.get("x-missing")).toBeNull();
    expect([...response.headers.entries()].map(([name]) => name)).toContain("x-multi");
    expect(JSON.parse(await response.text())).toMatchObject({ method: "POST", body: "x" });
    await expect(response.text()).rejects.toThrow();
  });

  it("cancelling the body as the SDKs do (iterator return) closes the connection", async () => {
    const before = closedEarly;
    const response = await fastFetch(`${base}/slow-stream`);
    const iterator = (response.body as unknown as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    expect(new TextDecoder().decode((await iterator.next()).value)).toContain("data: 1");
    await iterator.return?.();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(closedEarly).toBe(before + 1);
  });

  it("handles bodiless statuses and refuses redirects when asked", async () => {
    const empty = await fastFetch(`${base}/empty`);
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
    await expect(fastFetch(`${base}/moved`, { redirect: "error" })).rejects.toThrow("fetch failed");
  });

  it("streams, and aborting mid-stream closes the connection", async () => {
    const controller = new AbortController();
    const response = await fastFetch(`${base}/slow-stream`, { signal: controller.signal });
    // The body is read as the SDKs read it: an async iterable of bytes.
    const reader = (response.body as unknown as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    expect(new TextDecoder().decode((await reader.next()).value)).toContain("data: 1");
    controller.abort();
    await expect(reader.next()).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(closedEarly).toBe(2);
  });
});
