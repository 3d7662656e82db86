import { APIError } from "openai";
import { describe, expect, it } from "vitest";
import { rawJsonOf, sseJsonEvents } from "../../src/providers/sse-json.ts";

async function* bytes(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield new TextEncoder().encode(part);
}

async function collect(parts: string[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const event of sseJsonEvents(bytes(...parts), new Headers())) out.push(event);
  return out;
}

describe("SSE JSON events (the OpenAI-compatible stream decoder)", () => {
  it("yields each event's payload with its JSON text, across reads split anywhere, LF or CRLF", async () => {
    const wire = 'data: {"a":1}\n\ndata: {"b":"é"}\r\n\r\n: keep-alive\n\ndata: [DONE]\n\n';
    for (const cut of [1, 5, 9, 17, 20, 30]) {
      const bytesCut = new TextEncoder().encode(wire);
      const parts = [bytesCut.slice(0, cut), bytesCut.slice(cut)];
      const events: unknown[] = [];
      async function* split() {
        yield* parts;
      }
      for await (const event of sseJsonEvents(split(), new Headers())) events.push(event);
      expect(events).toEqual([{ a: 1 }, { b: "é" }]);
      expect(events.map(rawJsonOf)).toEqual(['{"a":1}', '{"b":"é"}']);
      expect(JSON.stringify(events[0])).toBe('{"a":1}');
    }
  });

  it("stops at [DONE], joins multi-line data (then without raw text), delivers an unterminated last event", async () => {
    expect(await collect(['data: {"a":1}\n\ndata: [DONE]\n\ndata: {"late":1}\n\n'])).toEqual([{ a: 1 }]);
    const joined = await collect(['data: {"a":\ndata: 2}\n\n']);
    expect(joined).toEqual([{ a: 2 }]);
    expect(rawJsonOf(joined[0])).toBeUndefined();
    expect(await collect(['event: x\ndata: {"c":3}'])).toEqual([{ c: 3 }]);
  });

  it("error events and error payloads throw APIError; bad JSON throws SyntaxError", async () => {
    await expect(
      collect(['event: error\ndata: {"error":{"type":"server_error"}}\n\n']),
    ).rejects.toBeInstanceOf(APIError);
    await expect(collect(['data: {"error":{"message":"boom"}}\n\n'])).rejects.toBeInstanceOf(APIError);
    await expect(collect(["data: {not json\n\n"])).rejects.toBeInstanceOf(SyntaxError);
  });
});
