// An endpoint of the /v1 API as data for the one request lifecycle (run.ts): what differs between
// chat, legacy completions and embeddings (and, next, other client dialects) is here; admission,
// fallback, relaying and settlement are not.
import type { z } from "zod";
import type { TokenUsage } from "../metering/pricing/cost.ts";
import type { CallOptions, ChunkStream, ProviderAdapter } from "../providers/types.ts";
import type { RouteTarget } from "../routing/routing-table.ts";

/** The endpoint's name in usage records. */
export type EndpointName = "chat.completions" | "completions" | "embeddings";

/** How much output a request may produce. */
export interface OutputBudget {
  /** Output tokens of all its choices together (`n`, `best_of`): what the reservation covers. */
  maxOutputTokens: number;
  /** The per-choice cap to send upstream when the client set none, so the cost stays bounded. */
  injectCap?: number | undefined;
}

/** What a stream carried, for the charge. */
export interface StreamTally<Chunk> {
  add(chunk: Chunk): void;
  /** The upstream's usage, when a chunk carried it. */
  readonly usage: TokenUsage | undefined;
  /** Output tokens relayed, counted by the gateway (only asked when the upstream reported no usage). */
  outputTokens(): number;
}

export interface EndpointSpec<Body, Result, Chunk> {
  readonly name: EndpointName;
  /** The request body's schema (contracts). */
  readonly schema: z.ZodType<Body>;
  /** Whether a provider's adapter can serve this endpoint. */
  servedBy(adapter: ProviderAdapter): boolean;
  /** The 400 message when none of the model's targets can. */
  unsupported(model: string): string;
  model(body: Body): string;
  stream(body: Body): boolean;
  /** Prompt tokens as the gateway counts them (the reservation and the estimate of last resort). */
  promptTokens(body: Body): number;
  outputBudget(body: Body, defaultCap: number): OutputBudget;
  /** One upstream attempt (non-stream). `cap`: the output cap to inject, if any. */
  call(target: RouteTarget, body: Body, cap: number | undefined, options: CallOptions): Promise<Result>;
  /** One upstream attempt (stream): resolves once the upstream has accepted it. */
  open?(
    target: RouteTarget,
    body: Body,
    cap: number | undefined,
    options: CallOptions,
  ): Promise<ChunkStream<Chunk>>;
  /** The upstream's usage in a non-stream result; undefined when it reported none. */
  usage(result: Result): TokenUsage | undefined;
  /** Output tokens of a non-stream result, counted by the gateway. */
  outputTokens(result: Result): number;
  tally(): StreamTally<Chunk>;
  /** Which chunks the client sees (the usage chunk only when it asked for it). */
  visible(body: Body): (chunk: Chunk) => boolean;
}
