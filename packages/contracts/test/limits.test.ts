import { describe, expect, it } from "vitest";
import {
  describeValidationError,
  MAX_MESSAGES,
  MAX_TOOLS,
  ZChatCompletionRequest,
  ZMessagesRequest,
  ZResponsesRequest,
} from "../src/index.ts";

const message = { role: "user", content: "Hi" };
const chatTool = { type: "function", function: { name: "f", parameters: { type: "object" } } };
const anthropicTool = { name: "f", input_schema: { type: "object" } };
const responsesTool = { type: "function", name: "f", parameters: { type: "object" } };

const cases = [
  {
    name: "chat",
    schema: ZChatCompletionRequest,
    body: (n: number, t: number) => ({
      model: "m",
      messages: Array(n).fill(message),
      tools: Array(t).fill(chatTool),
    }),
    list: "messages",
  },
  {
    name: "messages",
    schema: ZMessagesRequest,
    body: (n: number, t: number) => ({
      model: "m",
      max_tokens: 10,
      messages: Array(n).fill(message),
      tools: Array(t).fill(anthropicTool),
    }),
    list: "messages",
  },
  {
    name: "responses",
    schema: ZResponsesRequest,
    body: (n: number, t: number) => ({
      model: "m",
      input: Array(n).fill(message),
      tools: Array(t).fill(responsesTool),
    }),
    list: "input",
  },
] as const;

describe.each(cases)("$name: the request's shape is bounded", ({ schema, body, list }) => {
  it("takes the most messages and tools it allows", () => {
    expect(schema.safeParse(body(MAX_MESSAGES, MAX_TOOLS)).success).toBe(true);
  });

  it("refuses one message or tool more, naming the field", () => {
    const messages = schema.safeParse(body(MAX_MESSAGES + 1, 1));
    expect(messages.success).toBe(false);
    const tooMany = describeValidationError(messages.error!);
    expect(tooMany.param).toBe(list);
    expect(tooMany.message).toContain(String(MAX_MESSAGES));

    const tools = schema.safeParse(body(1, MAX_TOOLS + 1));
    expect(tools.success).toBe(false);
    expect(describeValidationError(tools.error!)).toMatchObject({ param: "tools" });
  });
});
