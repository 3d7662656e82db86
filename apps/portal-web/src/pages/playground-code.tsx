// The playground's request as code for each dialect and client (curl, openai SDK, Responses API,
// Anthropic SDK, Claude Code, AI SDK), with a copy button.
import { useState } from "react";
import { CopyButton } from "../components/copy-button.tsx";
import type { ChatMessage } from "../lib/chat-stream.ts";
import { requestSnippet, type SnippetLanguage } from "../lib/snippets.ts";

const languages: { id: SnippetLanguage; label: string }[] = [
  { id: "curl", label: "curl" },
  { id: "python", label: "Python" },
  { id: "typescript", label: "TypeScript" },
  { id: "responses", label: "Responses API" },
  { id: "anthropic", label: "Anthropic SDK" },
  { id: "claude-code", label: "Claude Code" },
  { id: "ai-sdk", label: "AI SDK" },
];

export function RequestCode(props: { baseUrl: string; model: string; messages: ChatMessage[] }) {
  const [language, setLanguage] = useState<SnippetLanguage>("curl");
  const code = requestSnippet(language, props.baseUrl, props.model || "demo-chat", props.messages);
  return (
    <section className="card" aria-labelledby="code-heading">
      <h2 id="code-heading">Copy the request</h2>
      <div className="tabs">
        {languages.map((option) => (
          <button
            key={option.id}
            type="button"
            aria-pressed={language === option.id}
            className={language === option.id ? "tab tab-active" : "tab"}
            onClick={() => setLanguage(option.id)}
          >
            {option.label}
          </button>
        ))}
      </div>
      <pre className="code">
        <code>{code}</code>
      </pre>
      <p className="muted">
        Set <code>GATEWAY_API_KEY</code> to your key first.
      </p>
      <CopyButton text={code} label={`Copy ${languages.find((l) => l.id === language)?.label}`} />
    </section>
  );
}
