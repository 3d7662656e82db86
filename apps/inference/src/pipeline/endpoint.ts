// An endpoint of the /v1 API as data for the one request lifecycle (run.ts): what differs between
// chat, legacy completions and embeddings (and, next, other client dialects) is here; admission,
// fallback, relaying and settlement are not.
import type { IncomingHttpHeaders } from "node:http";
import type { z } from "zod";
import type { KeyIdentity } from "../auth/key-store.ts";
import { type GatewayError, invalidRequest } from "../errors.ts";
import type { TokenUsage } from "../metering/pricing/cost.ts";
import type { CallOptions, ChunkStream, ProviderAdapter } from "../providers/types.ts";
import type { RouteTarget } from "../routing/routing-table.ts";
import type { PipelineContext } from "./context.ts";
import { refuseControlFields } from "./control-fields.ts";

/** The endpoint's name in usage records. */
export type EndpointName = "chat.completions" | "completions" | "embeddings" | "responses" | "messages";

/** How much output a request may produce. */
export interface OutputBudget {
  /** Output tokens of all its choices together (`n`, `best_of`): what the reservation covers. */
  maxOutputTokens: number;
  /** The per-choice cap to send upstream when the client set none, so the cost stays bounded. */
  injectCap?: number | undefined;
}

/**
 * One stream's way to the client in the endpoint's dialect, and what it carried, for the charge.
 * Every chunk goes through `frame`, in order, then `end` once.
 */
export interface StreamRelay<Chunk> {
  /** Tallies the chunk; returns its server-sent-event frames, or undefined when the client is not to see it. */
  frame(chunk: Chunk): string | undefined;
  /** The upstream's usage, when a chunk carried it. */
  readonly usage: TokenUsage | undefined;
  /** Output tokens relayed, counted by the gateway (only asked when the upstream reported no usage). */
  outputTokens(): number;
  /**
   * Work the chunk must wait for before the client sees it (e.g. storing a conversation before its
   * closing event, so the client's next request finds it); undefined when there is none.
   */
  hold?(chunk: Chunk): Promise<void> | undefined;
  /** The stream's last frames: after a complete stream (`error` undefined), or the failure's event. */
  end(error: GatewayError | undefined): string;
}

export interface EndpointSpec<Body, Result, Chunk> {
  readonly name: EndpointName;
  /** The request as the pipeline takes it: the body checked against its schema (contracts), with
   *  whatever headers the dialect reads; throws the 400 for a body that does not fit. */
  parse(body: unknown, headers: IncomingHttpHeaders): Body;
  /** Whether a provider's adapter can serve this endpoint. */
  servedBy(adapter: ProviderAdapter): boolean;
  /** The 400 message when none of the model's targets can. */
  unsupported(model: string): string;
  /**
   * Completes the request with what it refers to (e.g. a stored conversation it continues) once the
   * key is known, before the model is resolved; throws the 4xx for a reference that does not resolve.
   */
  prepare?(body: Body, ctx: PipelineContext, identity: KeyIdentity): Promise<void>;
  /** The key's rate-limit headers in the endpoint's dialect (default: OpenAI's x-ratelimit-*). */
  limitHeaders?(headers: Readonly<Record<string, string>>): Readonly<Record<string, string>>;
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
  /** A new stream's relay (with `open`, for endpoints that stream). */
  relay?(body: Body): StreamRelay<Chunk>;
}

/** `parse` for an endpoint whose request is its body alone (control fields refused: control-fields.ts). */
export function parseWith<Body>(schema: z.ZodType<Body>): (body: unknown) => Body {
  return (body) => {
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw invalidRequest(parsed.error);
    refuseControlFields(parsed.data as object);
    return parsed.data;
  };
}

const ESTIMATED = Symbol("usage estimated by the gateway");

/**
 * Marks the event of a translated stream that carries usage the gateway counted itself (its
 * upstream reported none): a relay must not take it for the upstream's, so the record is flagged.
 */
export function markEstimated(event: object): void {
  Object.defineProperty(event, ESTIMATED, { value: true });
}

export const isEstimated = (event: object): boolean => ESTIMATED in event;
