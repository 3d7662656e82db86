// The one lifecycle of a /v1 request, for every endpoint (endpoint.ts): resolve the model, admit
// (limits and a reservation of the maximum cost), journal the admission, attempt the targets with
// fallback until one answers (or, for a stream, sends its first chunk), respond (JSON or SSE), and
// settle exactly once, in the `finally`, whatever happened: success, refusal, upstream error, client
// abort, gateway error. Settling charges the real cost and writes the request's one usage record;
// a stream's last bytes go out after it, so a record exists for every response that ended.
import type { IncomingHttpHeaders } from "node:http";
import type { FastifyReply } from "fastify";
import type { KeyIdentity } from "../auth/key-store.ts";
import { toGatewayError } from "../errors.ts";
import { abortOnClientClose } from "../http/client-abort.ts";
import { type SseWriter, startSse } from "../http/sse.ts";
import type { Admission } from "../metering/meter.ts";
import type { TokenUsage } from "../metering/pricing/cost.ts";
import { executeRoute } from "../routing/execute.ts";
import type { ResolvedRoute, RouteTarget } from "../routing/routing-table.ts";
import { type PipelineContext, routingTableFor } from "./context.ts";
import type { EndpointSpec, StreamRelay } from "./endpoint.ts";
import { attemptsOf, type Failure, failureOf, lastTried } from "./outcome.ts";
import { resolveRoute } from "./resolve.ts";
import { openStream, relay } from "./stream.ts";

/** The HTTP side of a request, as the route hands it over. */
export interface V1Request {
  id: string;
  /** The verified API key (authentication runs before the body is read). */
  identity: KeyIdentity;
  /** The body as JSON-parsed, not yet checked: the endpoint parses it (a 400 is recorded too). */
  body: unknown;
  headers: IncomingHttpHeaders;
  reply: FastifyReply;
}

/** What a body that failed to parse is recorded as asking for. */
function rawModel(body: unknown): string {
  const model = (body as { model?: unknown } | null)?.model;
  return typeof model === "string" ? model.slice(0, 256) : "";
}
const rawStream = (body: unknown) => (body as { stream?: unknown } | null)?.stream === true;

/**
 * Runs one request of `spec`, from parsing its body on. Resolves with the JSON result of a
 * non-stream request, or undefined once a stream has ended; rejects with what the client is to be
 * answered (the error handler writes it in the API's error envelope).
 */
export async function runEndpoint<Body, Result, Chunk>(
  ctx: PipelineContext,
  spec: EndpointSpec<Body, Result, Chunk>,
  request: V1Request,
): Promise<Result | undefined> {
  const run = new RequestRun(ctx, spec, request);
  try {
    return await run.serve();
  } catch (error) {
    run.fail(error);
    if (run.streaming) return undefined;
    throw error;
  } finally {
    run.settle();
    run.finish();
  }
}

class RequestRun<Body, Result, Chunk> {
  private readonly startedAt = performance.now();
  private readonly createdAt = new Date();
  private readonly signal: AbortSignal;
  private route: ResolvedRoute | undefined;
  private admission: Admission | undefined;
  private target: RouteTarget | undefined;
  private attempts = 0;
  private ttftMs: number | null = null;
  /** The upstream's usage, when it reported any. */
  private usage: TokenUsage | undefined;
  /** Counts the output relayed, when something was served. */
  private estimateOutput: (() => number) | undefined;
  private failure: Failure | undefined;
  private sse: SseWriter | undefined;
  private relayer: StreamRelay<Chunk> | undefined;
  private streamError: unknown;
  /** Once parsed. */
  private body: Body | undefined;

  constructor(
    private readonly ctx: PipelineContext,
    private readonly spec: EndpointSpec<Body, Result, Chunk>,
    private readonly http: V1Request,
  ) {
    this.signal = abortOnClientClose(http.reply);
  }

  /** Whether the response is an event stream already under way (errors then end it in-band). */
  get streaming(): boolean {
    return this.sse !== undefined;
  }

  async serve(): Promise<Result | undefined> {
    const { ctx, spec, http } = this;
    const { identity } = http;
    const body = spec.parse(http.body, http.headers);
    this.body = body;
    await spec.prepare?.(body, ctx, identity);
    const table = await routingTableFor(ctx, identity.orgId);
    this.route = resolveRoute(table, identity, spec.model(body), spec);
    const budget = spec.outputBudget(body, ctx.defaultMaxOutputTokens);
    const promptTokens = spec.promptTokens(body);
    const admission = await ctx.meter.admit({
      requestId: http.id,
      identity,
      route: this.route,
      promptTokens,
      maxOutputTokens: budget.maxOutputTokens,
    });
    this.admission = admission;
    this.route = admission.route;
    http.reply.headers(spec.limitHeaders?.(admission.headers) ?? admission.headers);
    const first = admission.route.targets[0]!;
    // Before any upstream call: a crash from here on still leaves this request's record.
    ctx.meter.usage.admitted({
      requestId: http.id,
      orgId: identity.orgId,
      projectId: identity.projectId,
      apiKeyId: identity.keyId,
      endpoint: spec.name,
      requestedModel: spec.model(body),
      stream: spec.stream(body),
      provider: first.provider.id,
      model: first.model,
      inputTokens: promptTokens,
      inputCostMicros: admission.promptCost.costMicros,
      createdAt: this.createdAt,
    });

    const cap = admission.boundsOutput ? budget.injectCap : undefined;
    const { signal } = this;
    const options = { signal, breaker: ctx.breaker, defaultTimeoutMs: ctx.defaultTimeoutMs };
    if (!spec.stream(body)) {
      const served = await executeRoute(
        admission.route,
        (target, timeoutMs) => spec.call(target, body, cap, { signal, timeoutMs }),
        options,
      );
      this.served(served.target, served.attempts.length);
      const result = served.result;
      this.usage = spec.usage(result);
      this.estimateOutput = () => spec.outputTokens(result);
      return result;
    }
    const { open, relay: relayOf } = spec;
    if (open === undefined || relayOf === undefined) throw new Error(`${spec.name} does not stream`);
    const served = await executeRoute(
      admission.route,
      (target, timeoutMs) =>
        openStream((call) => open(target, body, cap, call), signal, timeoutMs, target.provider.id),
      options,
    );
    this.served(served.target, served.attempts.length);
    this.ttftMs = Math.round(performance.now() - this.startedAt);
    const relayer = relayOf(body);
    this.relayer = relayer;
    this.sse = startSse(http.reply);
    this.estimateOutput = () => relayer.outputTokens();
    const relayed = await relay(this.sse, served.result, relayer);
    this.usage = relayer.usage;
    if (relayed.error !== undefined) this.fail(relayed.error);
    else if (relayed.clientClosed) this.failure = { outcome: "cancelled", httpStatus: 200, errorCode: null };
    return undefined;
  }

  private served(target: RouteTarget, attempts: number): void {
    this.target = target;
    this.attempts = attempts;
    this.http.reply.header("x-gateway-provider", target.provider.id);
  }

  fail(error: unknown): void {
    const failure = failureOf(error, this.signal);
    if (this.sse !== undefined) {
      // The status line went out long ago: the stream ends with the error's event.
      this.streamError = error;
      this.failure = { ...failure, httpStatus: 200 };
      return;
    }
    this.failure = failure;
    this.target ??= lastTried(error, this.route);
    this.attempts ||= attemptsOf(error);
  }

  /** The request's one usage record, with its charge. */
  settle(): void {
    const { ctx, spec, body, http } = this;
    const { identity } = http;
    const charge = ctx.meter.settle(this.admission, {
      target: this.target,
      usage: this.usage,
      estimateOutput: this.estimateOutput,
    });
    const failure = this.failure;
    ctx.meter.usage.record({
      requestId: http.id,
      orgId: identity.orgId,
      projectId: identity.projectId,
      apiKeyId: identity.keyId,
      endpoint: spec.name,
      requestedModel: body === undefined ? rawModel(http.body) : spec.model(body),
      provider: this.target?.provider.id ?? null,
      model: this.target?.model ?? null,
      stream: body === undefined ? rawStream(http.body) : spec.stream(body),
      ...charge.usage,
      usageEstimated: charge.estimated,
      ...charge.cost,
      latencyMs: Math.round(performance.now() - this.startedAt),
      ttftMs: this.ttftMs,
      outcome: failure?.outcome ?? "success",
      httpStatus: failure?.httpStatus ?? 200,
      errorCode: failure?.errorCode ?? null,
      attempts: this.attempts,
      createdAt: this.createdAt,
    });
  }

  /** A stream's last bytes: its end in the endpoint's dialect, or the failure's event. */
  finish(): void {
    if (this.sse === undefined || this.relayer === undefined) return;
    const error = this.streamError === undefined ? undefined : toGatewayError(this.streamError);
    this.sse.end(this.relayer.end(error));
  }
}
