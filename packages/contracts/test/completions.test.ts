import { describe, expect, it } from "vitest";
import { ZCompletion, ZCompletionChunk, ZCompletionRequest } from "../src/index.ts";

describe("ZCompletionRequest", () => {
  it.each([
    ["a string", "Say this is a test"],
    ["strings", ["Once upon a time", "In a galaxy"]],
    ["token ids", [1212, 318, 257, 1332]],
    [
      "batches of token ids",
      [
        [1212, 318],
        [257, 1332],
      ],
    ],
    ["null (the upstream's default)", null],
  ])("takes %s as the prompt", (_, prompt) => {
    const request = { model: "gpt-3.5-turbo-instruct", prompt, max_tokens: 7, temperature: 0 };
    expect(ZCompletionRequest.parse(request)).toEqual(request);
  });

  it("parses a full request and keeps unknown fields", () => {
    const request = {
      model: "meta-llama/Llama-3.1-8B",
      prompt: "def fib(n):",
      suffix: "\n    return a",
      max_tokens: 0,
      echo: true,
      logprobs: 5,
      best_of: 3,
      n: 2,
      stop: ["\n\n"],
      seed: 7,
      presence_penalty: 0.5,
      frequency_penalty: -0.5,
      logit_bias: { "50256": -100 },
      stream: true,
      stream_options: { include_usage: true },
      user: "u1",
      top_k: 50,
      min_p: 0.05,
    };
    expect(ZCompletionRequest.parse(request)).toEqual(request);
  });

  it.each([
    [{ model: "m" }, ["prompt"]],
    [{ model: "m", prompt: "x", logprobs: 6 }, ["logprobs"]],
    [{ model: "m", prompt: "x", temperature: 2.1 }, ["temperature"]],
    [{ model: "m", prompt: "x", best_of: 0 }, ["best_of"]],
    [{ model: "m", prompt: [1, -2] }, ["prompt", 1]],
  ])("refuses %j at %j", (input, path) => {
    expect(ZCompletionRequest.safeParse(input).error?.issues[0]?.path).toEqual(path);
  });
});

describe("ZCompletion", () => {
  const completion = {
    id: "cmpl-uqkvlQyYK7bGYrRHQ0eXlWi7",
    object: "text_completion",
    created: 1589478378,
    model: "gpt-3.5-turbo-instruct",
    system_fingerprint: "fp_44709d6fcb",
    choices: [{ text: "\n\nThis is indeed a test", index: 0, logprobs: null, finish_reason: "length" }],
    usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
  };

  it("parses a real response", () => {
    expect(ZCompletion.parse(completion)).toEqual(completion);
  });

  it("parses logprobs", () => {
    const logprobs = {
      tokens: ["\n", "This"],
      token_logprobs: [-0.1, -0.2],
      top_logprobs: [{ "\n": -0.1 }, { This: -0.2 }],
      text_offset: [24, 25],
    };
    const withLogprobs = { ...completion, choices: [{ ...completion.choices[0], logprobs }] };
    expect(ZCompletion.parse(withLogprobs)).toEqual(withLogprobs);
  });

  it("parses stream events, including the usage event", () => {
    const event = {
      ...completion,
      choices: [{ text: "This", index: 0, logprobs: null, finish_reason: null }],
      usage: null,
    };
    expect(ZCompletionChunk.parse(event)).toEqual(event);
    expect(ZCompletion.safeParse(event).success).toBe(false);
    const last = { ...completion, choices: [] };
    expect(ZCompletionChunk.parse(last)).toEqual(last);
  });
});
