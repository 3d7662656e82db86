// Playground: pick a key and a model, chat with tokens streaming in, see each reply's tokens and
// its cost at list price, copy the request as code. The key stays in this page's memory.
import { formatUsd, type TCatalogModel } from "@gw/contracts";
import { useRef, useState } from "react";
import { Link } from "react-router";
import { SelectField, TextAreaField, TextField } from "../components/field.tsx";
import { Alert, ErrorState, Loading } from "../components/query-state.tsx";
import { type ChatMessage, type StreamUsage, streamChat } from "../lib/chat-stream.ts";
import { formatCount } from "../lib/format.ts";
import { replyCostMicros } from "../lib/reply-cost.ts";
import { useOrg } from "../lib/session.tsx";
import { useSessionKey } from "../lib/session-key.ts";
import { trpc } from "../lib/trpc.ts";
import { RequestCode } from "./playground-code.tsx";

interface Turn extends ChatMessage {
  usage?: StreamUsage | undefined;
  costMicros?: bigint | undefined;
  requestId?: string | null;
  error?: string;
  streaming?: boolean;
}

export function PlaygroundPage() {
  const org = useOrg();
  const config = trpc.config.get.useQuery();
  const models = trpc.models.list.useQuery({ orgId: org.id });
  const sessionKey = useSessionKey();
  const [apiKey, setApiKey] = useState("");
  const [model, setModel] = useState("");
  const [system, setSystem] = useState("");
  const [draft, setDraft] = useState("");
  const [turns, setTurns] = useState<Turn[]>([]);
  const abort = useRef<AbortController | null>(null);
  const available = (models.data ?? []).filter((m: TCatalogModel) => m.available);
  const chosen = model || available.find((m) => /(^|\/)demo-chat$/.test(m.id))?.id || available[0]?.id || "";
  const busy = turns.some((turn) => turn.streaming);
  const offeredKey = sessionKey?.orgId === org.id && sessionKey.key !== apiKey ? sessionKey : undefined;

  const history = (list: Turn[]): ChatMessage[] => [
    ...(system.trim() ? [{ role: "system" as const, content: system.trim() }] : []),
    ...list.filter((turn) => !turn.error).map(({ role, content }) => ({ role, content })),
  ];

  const update = (patch: Partial<Turn>) =>
    setTurns((list) => list.map((turn, i) => (i === list.length - 1 ? { ...turn, ...patch } : turn)));

  const send = async () => {
    const text = draft.trim();
    if (!text || !apiKey || !chosen || !config.data) return;
    const asked: Turn[] = [...turns.filter((turn) => !turn.error), { role: "user", content: text }];
    const messages = history(asked);
    setTurns([...asked, { role: "assistant", content: "", streaming: true }]);
    setDraft("");
    abort.current = new AbortController();
    try {
      const result = await streamChat({
        baseUrl: config.data.inferenceUrl,
        apiKey,
        model: chosen,
        messages,
        signal: abort.current.signal,
        onToken: (token) =>
          setTurns((list) =>
            list.map((turn, i) =>
              i === list.length - 1 ? { ...turn, content: turn.content + token } : turn,
            ),
          ),
      });
      const catalog = models.data?.find((m) => m.id === chosen);
      update({
        streaming: false,
        usage: result.usage,
        requestId: result.requestId,
        costMicros: result.usage ? replyCostMicros(result.usage, catalog) : undefined,
      });
    } catch (error) {
      const stopped = (error as Error).name === "AbortError";
      update({ streaming: false, error: stopped ? "Stopped." : (error as Error).message });
    } finally {
      abort.current = null;
    }
  };

  if (config.error) return <ErrorState error={config.error} onRetry={() => config.refetch()} />;
  if (config.isPending) return <Loading />;
  const baseUrl = config.data.inferenceUrl;
  return (
    <div className="page">
      <header className="page-header">
        <h1>Playground</h1>
      </header>
      <div className="playground">
        <section className="card playground-settings" aria-label="Request settings">
          <TextField
            label="API key"
            type="password"
            autoComplete="off"
            spellCheck={false}
            placeholder="sk-…"
            hint={
              <>
                Kept in this page only. <Link to={`/o/${org.slug}/keys?create=1`}>Create a key</Link> if you
                have none.
              </>
            }
            value={apiKey}
            onChange={(event) => setApiKey(event.target.value.trim())}
          />
          {offeredKey && (
            <button type="button" className="button-secondary" onClick={() => setApiKey(offeredKey.key)}>
              Use the key you just created ({offeredKey.name}, {offeredKey.prefix}…)
            </button>
          )}
          {models.error ? (
            <ErrorState error={models.error} onRetry={() => models.refetch()} />
          ) : (
            <SelectField
              label="Model"
              value={chosen}
              disabled={models.isPending}
              onChange={(event) => setModel(event.target.value)}
              hint={
                models.isPending
                  ? "Loading models…"
                  : available.length === 0
                    ? "No model is available."
                    : undefined
              }
            >
              {available.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.id}
                  {m.kind === "alias" ? " (alias)" : ""}
                  {m.free ? " (free)" : ""}
                </option>
              ))}
            </SelectField>
          )}
          <TextAreaField
            label="System prompt (optional)"
            rows={3}
            value={system}
            onChange={(event) => setSystem(event.target.value)}
          />
          {turns.length > 0 && (
            <button type="button" className="button-secondary" disabled={busy} onClick={() => setTurns([])}>
              Clear conversation
            </button>
          )}
        </section>
        <section className="card playground-chat" aria-label="Conversation">
          <ol className="messages" aria-live="polite" aria-busy={busy}>
            {turns.length === 0 && <li className="empty">Send a message to start.</li>}
            {turns.map((turn, i) => (
              <li
                // biome-ignore lint/suspicious/noArrayIndexKey: turns are only appended or cleared
                key={i}
                className={`message message-${turn.role}`}
                data-testid={turn.role === "assistant" ? "assistant-reply" : undefined}
              >
                <span className="message-role">{turn.role === "user" ? "You" : "Assistant"}</span>
                <div className="message-content">{turn.content || (turn.streaming ? "…" : "")}</div>
                {turn.error && <Alert kind="error">{turn.error}</Alert>}
                {turn.usage && (
                  <p className="message-meta" data-testid="reply-usage">
                    {formatCount(turn.usage.prompt_tokens)} input +{" "}
                    {formatCount(turn.usage.completion_tokens)} output tokens
                    {turn.costMicros !== undefined && (
                      <> · about {formatUsd(turn.costMicros)} at list price</>
                    )}
                    {turn.requestId && <> · request {turn.requestId}</>}
                  </p>
                )}
              </li>
            ))}
          </ol>
          <form
            className="composer"
            onSubmit={(event) => {
              event.preventDefault();
              void send();
            }}
          >
            <TextAreaField
              label="Message"
              rows={3}
              value={draft}
              onChange={(event) => setDraft(event.target.value)}
              onKeyDown={(event) => {
                if (event.key === "Enter" && (event.metaKey || event.ctrlKey)) {
                  event.preventDefault();
                  void send();
                }
              }}
              hint={!apiKey ? "Enter an API key first." : "Ctrl+Enter sends."}
            />
            <div className="actions">
              {busy ? (
                <button type="button" className="button-secondary" onClick={() => abort.current?.abort()}>
                  Stop
                </button>
              ) : (
                <button
                  type="submit"
                  className="button-primary"
                  disabled={!apiKey || !chosen || !draft.trim()}
                >
                  Send
                </button>
              )}
            </div>
          </form>
        </section>
        <RequestCode
          baseUrl={baseUrl}
          model={chosen}
          messages={history([
            ...turns,
            ...(draft.trim() ? [{ role: "user" as const, content: draft.trim() }] : []),
          ])}
        />
      </div>
    </div>
  );
}
