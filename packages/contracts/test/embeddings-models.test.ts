import type { EmbeddingCreateParams } from "openai/resources/embeddings";
import { describe, expect, it } from "vitest";
import { ZEmbeddingRequest, ZEmbeddingResponse, ZModel, ZModelList } from "../src/index.ts";

describe("ZEmbeddingRequest", () => {
  it.each<EmbeddingCreateParams>([
    { model: "text-embedding-3-small", input: "The food was delicious" },
    {
      model: "text-embedding-3-large",
      input: ["a", "b"],
      dimensions: 256,
      encoding_format: "float",
      user: "u",
    },
    { model: "text-embedding-ada-002", input: [1212, 318], encoding_format: "base64" },
    { model: "text-embedding-ada-002", input: [[1212], [318, 257]] },
  ])("parses %j", (request) => {
    expect(ZEmbeddingRequest.parse(request)).toEqual(request);
  });

  it("keeps unknown fields for the upstream", () => {
    const request = { model: "BAAI/bge-m3", input: "q", input_type: "query", truncate: "END" };
    expect(ZEmbeddingRequest.parse(request)).toEqual(request);
  });

  it.each([
    [{ model: "m", input: "x", encoding_format: "float16" }, ["encoding_format"]],
    [{ model: "m", input: "x", dimensions: 0 }, ["dimensions"]],
    [{ model: "m", input: [] }, ["input"]],
    [{ model: "", input: "x" }, ["model"]],
  ])("refuses %j at %j", (input, path) => {
    expect(ZEmbeddingRequest.safeParse(input).error?.issues[0]?.path).toEqual(path);
  });
});

describe("ZEmbeddingResponse", () => {
  const usage = { prompt_tokens: 8, total_tokens: 8 };

  it("parses float and base64 responses", () => {
    const float = {
      object: "list",
      data: [{ object: "embedding", index: 0, embedding: [0.0023064255, -0.009327292, -0.0028842222] }],
      model: "text-embedding-3-small",
      usage,
    };
    const base64 = {
      ...float,
      data: [{ object: "embedding", index: 0, embedding: "AACAPwAAAEAAAEBA" }],
    };
    expect(ZEmbeddingResponse.parse(float)).toEqual(float);
    expect(ZEmbeddingResponse.parse(base64)).toEqual(base64);
  });

  it("refuses an embedding that is neither", () => {
    const bad = {
      object: "list",
      data: [{ object: "embedding", index: 0, embedding: [true] }],
      model: "m",
      usage,
    };
    expect(ZEmbeddingResponse.safeParse(bad).error?.issues[0]?.path).toEqual(["data", 0, "embedding"]);
  });
});

describe("models", () => {
  it("parses a model list", () => {
    const list = {
      object: "list",
      data: [
        { id: "gpt-4o-mini", object: "model", created: 1721172741, owned_by: "system" },
        { id: "llama-70b", object: "model", created: 1700000000, owned_by: "gateway" },
      ],
    };
    expect(ZModelList.parse(list)).toEqual(list);
    expect(ZModel.safeParse({ ...list.data[0], object: "engine" }).error?.issues[0]?.path).toEqual([
      "object",
    ]);
  });
});
