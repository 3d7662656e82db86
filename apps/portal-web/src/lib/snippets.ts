// The playground's request as code a person can paste, in each dialect the gateway speaks: Chat
// Completions (curl, Python, TypeScript with the openai SDK), the Responses API (openai SDK's
// responses.create), Anthropic's Messages API (@anthropic-ai/sdk), Claude Code's environment and the
// Vercel AI SDK.
import type { ChatMessage } from "./chat-stream.ts";

export type SnippetLanguage =
  | "curl"
  | "python"
  | "typescript"
  | "responses"
  | "anthropic"
  | "claude-code"
  | "ai-sdk";

/** The gateway's origin, without /v1: what Anthropic's SDK and Claude Code take as their base URL. */
const originOf = (baseUrl: string) => baseUrl.replace(/\/v1\/?$/, "");

export function requestSnippet(
  language: SnippetLanguage,
  baseUrl: string,
  model: string,
  messages: ChatMessage[],
) {
  const body = { model, messages, stream: true, stream_options: { include_usage: true } };
  const messagesJson = JSON.stringify(messages, null, 2);
  const indent = (text: string, spaces: string) => text.split("\n").join(`\n${spaces}`);
  switch (language) {
    case "curl":
      return [
        `curl ${baseUrl}/chat/completions \\`,
        `  -H "Authorization: Bearer $GATEWAY_API_KEY" \\`,
        `  -H "Content-Type: application/json" \\`,
        `  -d '${JSON.stringify(body).replaceAll("'", "'\\''")}'`,
      ].join("\n");
    case "python":
      return [
        "import os",
        "from openai import OpenAI",
        "",
        `client = OpenAI(base_url=${JSON.stringify(baseUrl)}, api_key=os.environ["GATEWAY_API_KEY"])`,
        "stream = client.chat.completions.create(",
        `    model=${JSON.stringify(model)},`,
        `    messages=${indent(messagesJson, "    ")},`,
        "    stream=True,",
        '    stream_options={"include_usage": True},',
        ")",
        "for chunk in stream:",
        "    if chunk.choices and chunk.choices[0].delta.content:",
        '        print(chunk.choices[0].delta.content, end="", flush=True)',
      ].join("\n");
    case "typescript":
      return [
        'import OpenAI from "openai";',
        "",
        `const client = new OpenAI({ baseURL: ${JSON.stringify(baseUrl)}, apiKey: process.env.GATEWAY_API_KEY });`,
        "const stream = await client.chat.completions.create({",
        `  model: ${JSON.stringify(model)},`,
        `  messages: ${indent(messagesJson, "  ")},`,
        "  stream: true,",
        "  stream_options: { include_usage: true },",
        "});",
        "for await (const chunk of stream) {",
        '  process.stdout.write(chunk.choices[0]?.delta?.content ?? "");',
        "}",
      ].join("\n");
    case "responses": {
      const system = messages
        .filter((m) => m.role === "system")
        .map((m) => m.content)
        .join("\n");
      const input = messages.filter((m) => m.role !== "system");
      return [
        'import OpenAI from "openai";',
        "",
        `const client = new OpenAI({ baseURL: ${JSON.stringify(baseUrl)}, apiKey: process.env.GATEWAY_API_KEY });`,
        "const stream = client.responses.stream({",
        `  model: ${JSON.stringify(model)},`,
        ...(system ? [`  instructions: ${JSON.stringify(system)},`] : []),
        `  input: ${indent(JSON.stringify(input, null, 2), "  ")},`,
        "});",
        'stream.on("response.output_text.delta", (event) => process.stdout.write(event.delta));',
        "const response = await stream.finalResponse();",
        'console.log("\\n", response.usage);',
      ].join("\n");
    }
    case "anthropic": {
      const system = messages
        .filter((m) => m.role === "system")
        .map((m) => m.content)
        .join("\n");
      const turns = messages.filter((m) => m.role !== "system");
      return [
        'import Anthropic from "@anthropic-ai/sdk";',
        "",
        `const client = new Anthropic({ baseURL: ${JSON.stringify(originOf(baseUrl))}, apiKey: process.env.GATEWAY_API_KEY });`,
        "const stream = client.messages.stream({",
        `  model: ${JSON.stringify(model)},`,
        "  max_tokens: 1024,",
        ...(system ? [`  system: ${JSON.stringify(system)},`] : []),
        `  messages: ${indent(JSON.stringify(turns, null, 2), "  ")},`,
        "});",
        'stream.on("text", (text) => process.stdout.write(text));',
        "const message = await stream.finalMessage();",
        'console.log("\\n", message.usage);',
      ].join("\n");
    }
    case "claude-code":
      return [
        "# Claude Code through the gateway: every request billed to your key, any model behind it.",
        `export ANTHROPIC_BASE_URL=${JSON.stringify(originOf(baseUrl))}`,
        'export ANTHROPIC_AUTH_TOKEN="$GATEWAY_API_KEY"',
        `export ANTHROPIC_MODEL=${JSON.stringify(model)}`,
        "claude",
      ].join("\n");
    case "ai-sdk":
      return [
        'import { createOpenAI } from "@ai-sdk/openai";',
        'import { streamText } from "ai";',
        "",
        `const gateway = createOpenAI({ baseURL: ${JSON.stringify(baseUrl)}, apiKey: process.env.GATEWAY_API_KEY });`,
        "const result = streamText({",
        `  model: gateway(${JSON.stringify(model)}),`,
        `  messages: ${indent(messagesJson, "  ")},`,
        "});",
        "for await (const text of result.textStream) process.stdout.write(text);",
      ].join("\n");
  }
}
