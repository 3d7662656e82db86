import { describe, expect, it } from "vitest";
import { ZChatCompletion, ZChatCompletionChunk, ZUsage } from "../src/index.ts";

describe("ZChatCompletion", () => {
  const completion = {
    id: "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
    object: "chat.completion",
    created: 1741569952,
    model: "gpt-4.1-2025-04-14",
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: null,
          refusal: null,
          annotations: [],
          tool_calls: [
            {
              id: "call_DdmO9pD3xa9XTPNJ32zg2hcA",
              type: "function",
              function: { name: "get_weather", arguments: '{"location":"Paris, France"}' },
            },
          ],
        },
        logprobs: null,
        finish_reason: "tool_calls",
      },
    ],
    usage: {
      prompt_tokens: 82,
      completion_tokens: 17,
      total_tokens: 99,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 0,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    },
    service_tier: "default",
    system_fingerprint: "fp_b376dfbbd5",
  };

  it("parses a real tool-call response unchanged", () => {
    expect(ZChatCompletion.parse(completion)).toEqual(completion);
  });

  it("fills what compatible hosts leave out and drops what they send as null", () => {
    const choice = { index: 0, message: { role: "assistant", content: "Hi" }, finish_reason: "stop" };
    const vllm = {
      ...completion,
      choices: [choice],
      system_fingerprint: null,
      usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6, prompt_tokens_details: null },
    };
    const parsed = ZChatCompletion.parse(vllm);
    expect(parsed.choices[0]).toEqual({
      ...choice,
      message: { ...choice.message, refusal: null },
      logprobs: null,
    });
    expect(parsed.system_fingerprint).toBeUndefined();
    expect(parsed.usage.prompt_tokens_details).toBeUndefined();
  });

  it("refuses an unknown finish_reason, naming it", () => {
    const bad = { ...completion, choices: [{ ...completion.choices[0], finish_reason: "eos" }] };
    expect(ZChatCompletion.safeParse(bad).error?.issues[0]?.path).toEqual(["choices", 0, "finish_reason"]);
  });
});

describe("ZChatCompletionChunk", () => {
  const chunk = (choices: unknown[], usage: unknown = null) => ({
    id: "chatcmpl-9xG2",
    object: "chat.completion.chunk",
    created: 1741569952,
    model: "gpt-4o-mini-2024-07-18",
    system_fingerprint: "fp_06737a9306",
    choices,
    usage,
  });

  it("parses a streamed tool call, delta by delta", () => {
    const events = [
      chunk([
        {
          index: 0,
          delta: { role: "assistant", content: null, refusal: null },
          logprobs: null,
          finish_reason: null,
        },
      ]),
      chunk([
        {
          index: 0,
          delta: {
            tool_calls: [
              {
                index: 0,
                id: "call_abc",
                type: "function",
                function: { name: "get_weather", arguments: "" },
              },
            ],
          },
          logprobs: null,
          finish_reason: null,
        },
      ]),
      chunk([
        {
          index: 0,
          delta: { tool_calls: [{ index: 0, function: { arguments: '{"loc' } }] },
          finish_reason: null,
        },
      ]),
      chunk([
        {
          index: 0,
          delta: { tool_calls: [{ index: 0, function: { arguments: 'ation":"Paris"}' } }] },
          finish_reason: null,
        },
      ]),
      chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: "tool_calls" }]),
    ];
    for (const event of events) expect(ZChatCompletionChunk.parse(event)).toEqual(event);
  });

  it("parses the final usage chunk with empty choices", () => {
    const usage = {
      prompt_tokens: 1117,
      completion_tokens: 46,
      total_tokens: 1163,
      prompt_tokens_details: { cached_tokens: 1024, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    };
    const parsed = ZChatCompletionChunk.parse(chunk([], usage));
    expect(parsed.choices).toEqual([]);
    expect(parsed.usage).toEqual(usage);
    expect(ZUsage.parse(usage)).toEqual(usage);
  });

  it("accepts a chunk without usage at all, and refuses a negative token count", () => {
    const { usage: _, ...noUsage } = chunk([{ index: 0, delta: { content: "Hel" }, finish_reason: null }]);
    expect(ZChatCompletionChunk.safeParse(noUsage).success).toBe(true);
    const bad = chunk([], { prompt_tokens: -1, completion_tokens: 0, total_tokens: 0 });
    expect(ZChatCompletionChunk.safeParse(bad).error?.issues[0]?.path).toEqual(["usage", "prompt_tokens"]);
  });
});
