// The floor: the least a proxy in Node can add on this machine. A bare node:http server that sends
// each request's body to the mock with undici.request (one keep-alive pool) and pipes the answer
// back: no auth, no validation, no SDK, no metering. Run under the same pinning and load as the
// gateway, it shows how much of the gateway's added latency and CPU is the machine (wake-ups,
// loopback TCP, Node's HTTP stack) rather than the gateway's own work.
// Plain JavaScript, run by node itself, like the gateway's bundle (no loader in the way).
// Env: UPSTREAM_URL (the mock's /v1 base), PORT. GET /ready answers 200 once listening.
import { createServer } from "node:http";
import { Pool } from "undici";

const upstream = new URL(process.env.UPSTREAM_URL ?? "http://127.0.0.1:1/v1");
const pool = new Pool(upstream.origin, { connections: 4096 });
const basePath = upstream.pathname.replace(/\/$/, "");

const server = createServer((req, res) => {
  if (req.method === "GET" && req.url === "/ready") {
    res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    return;
  }
  /** @type {Buffer[]} */
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    pool
      .request({
        method: "POST",
        path: basePath + (req.url ?? "/").replace(/^\/v1/, ""),
        headers: { "content-type": "application/json" },
        body: Buffer.concat(chunks),
      })
      .then(({ statusCode, headers, body }) => {
        const type = headers["content-type"];
        res.writeHead(statusCode, type ? { "content-type": String(type) } : {});
        body.on("data", (chunk) => res.write(chunk));
        body.on("end", () => res.end());
        body.on("error", () => res.destroy());
      })
      .catch(() => {
        res.writeHead(502).end();
      });
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1");
const close = () => {
  server.close();
  pool.close().finally(() => process.exit(0));
};
process.once("SIGTERM", close);
process.once("SIGINT", close);
