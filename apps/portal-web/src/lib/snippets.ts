// The playground's request as code a person can paste: curl, Python (openai), TypeScript (openai).
import type { ChatMessage } from "./chat-stream.ts";

export type SnippetLanguage = "curl" | "python" | "typescript";

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
  }
}
