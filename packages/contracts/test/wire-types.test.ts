// Type-level tests: the contracts' inferred types against the `openai` SDK's own types, the
// reference for the wire format. They fail `tsc` (npm run typecheck), not vitest; the runtime
// `it` blocks only make each group show up in the test report.
//
// Directions that matter:
// - requests, SDK -> ours: anything an SDK client can send must be accepted by our schema;
//   ours -> SDK: a parsed request can be handed to an adapter that takes the SDK's params.
// - responses, ours -> SDK: what the gateway produces must be what SDK clients expect.
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParams,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
  ChatCompletionMessageParam,
  ChatCompletionTool,
  ChatCompletionToolChoiceOption,
} from "openai/resources/chat/completions";
import type {
  Completion,
  CompletionCreateParams,
  CompletionCreateParamsNonStreaming,
  CompletionUsage,
} from "openai/resources/completions";
import type { CreateEmbeddingResponse, Embedding, EmbeddingCreateParams } from "openai/resources/embeddings";
import type { Model } from "openai/resources/models";
import { describe, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import type {
  TBase64Embedding,
  TChatCompletion,
  TChatCompletionChunk,
  TChatCompletionRequest,
  TChatMessage,
  TChatTool,
  TCompletion,
  TCompletionChunk,
  TCompletionRequest,
  TEmbeddingRequest,
  TEmbeddingResponse,
  TFloatEmbedding,
  TModel,
  TModelList,
  TToolChoice,
  TUsage,
  ZChatCompletionRequest,
} from "../src/index.ts";

/**
 * Our request schemas are loose (`z.looseObject`): unknown fields pass through to upstreams. zod
 * types that as an index signature, `[key: string]: unknown`, at every loose level. TypeScript
 * never lets an `interface` (which is what the SDK declares) satisfy an index signature: only
 * object literal types get an implicit one (microsoft/TypeScript#15300). So "SDK params ->
 * our type" is impossible as written, for a reason that says nothing about the fields.
 *
 * `Known<T>` removes exactly those `unknown` index signatures, at every depth, and keeps every
 * declared field, so the check below compares each field we declare with the SDK's. Typed
 * records (`metadata: Record<string, string>`, `logit_bias`) keep their index signatures.
 */
type Known<T> = T extends readonly (infer U)[]
  ? Known<U>[]
  : T extends object
    ? {
        [K in keyof T as string extends K
          ? unknown extends T[K]
            ? never
            : K
          : number extends K
            ? unknown extends T[K]
              ? never
              : K
            : K]: Known<T[K]>;
      }
    : T;

describe("chat completions request", () => {
  it("accepts every request the SDK can send (SDK -> ours)", () => {
    expectTypeOf<ChatCompletionCreateParams>().toExtend<Known<TChatCompletionRequest>>();
    expectTypeOf<ChatCompletionCreateParams>().toExtend<Known<z.input<typeof ZChatCompletionRequest>>>();
    // The parts, so that a failure points at the culprit.
    expectTypeOf<ChatCompletionMessageParam>().toExtend<Known<TChatMessage>>();
    expectTypeOf<ChatCompletionTool>().toExtend<Known<TChatTool>>();
    expectTypeOf<ChatCompletionToolChoiceOption>().toExtend<Known<TToolChoice>>();
  });

  it("hands a parsed request to SDK-typed adapters (ours -> SDK)", () => {
    // The route narrows `stream` before it picks `chat` or `chatStream`; the index signature
    // is no obstacle in this direction.
    expectTypeOf<
      TChatCompletionRequest & { stream?: false | null }
    >().toExtend<ChatCompletionCreateParamsNonStreaming>();
    expectTypeOf<TChatCompletionRequest & { stream: true }>().toExtend<ChatCompletionCreateParamsStreaming>();
  });
});

describe("chat completions response", () => {
  it("produces what SDK clients read (ours -> SDK)", () => {
    expectTypeOf<TChatCompletion>().toExtend<ChatCompletion>();
    expectTypeOf<TChatCompletionChunk>().toExtend<ChatCompletionChunk>();
    expectTypeOf<TUsage>().toExtend<CompletionUsage>();
  });

  it("reads usage as the SDK reports it (SDK -> ours)", () => {
    expectTypeOf<CompletionUsage>().toExtend<TUsage>();
  });

  it("is stricter than the SDK where the gateway promises more", () => {
    // `usage` is optional in the SDK's ChatCompletion; the gateway always sends it.
    expectTypeOf<ChatCompletion>().not.toExtend<TChatCompletion>();
  });
});

describe("legacy completions", () => {
  it("accepts every request the SDK can send (SDK -> ours)", () => {
    expectTypeOf<CompletionCreateParams>().toExtend<Known<TCompletionRequest>>();
  });

  it("hands a parsed request to SDK-typed adapters (ours -> SDK)", () => {
    expectTypeOf<
      TCompletionRequest & { stream?: false | null }
    >().toExtend<CompletionCreateParamsNonStreaming>();
  });

  it("produces what SDK clients read (ours -> SDK)", () => {
    expectTypeOf<TCompletion>().toExtend<Completion>();
    // The SDK reuses `Completion` for stream events, whose `finish_reason` cannot be null; real
    // streams send null until a choice ends, so our chunk type cannot be assignable to it.
    expectTypeOf<TCompletionChunk>().not.toExtend<Completion>();
    expectTypeOf<Omit<TCompletionChunk, "choices">>().toExtend<Omit<Completion, "choices" | "usage">>();
  });
});

describe("embeddings", () => {
  it("accepts every request the SDK can send (SDK -> ours)", () => {
    expectTypeOf<EmbeddingCreateParams>().toExtend<Known<TEmbeddingRequest>>();
  });

  it("produces what SDK clients read, per encoding_format (ours -> SDK)", () => {
    // The SDK has two response types, picked by overload on `encoding_format`:
    // CreateEmbeddingResponse (float arrays) and an unexported Base64EmbeddingResponse (strings).
    // One wire schema holds both, so the union as a whole cannot match either; each branch does.
    expectTypeOf<TEmbeddingResponse>().not.toExtend<CreateEmbeddingResponse>();
    expectTypeOf<TFloatEmbedding>().toExtend<Embedding>();
    expectTypeOf<
      Omit<TEmbeddingResponse, "data"> & { data: TFloatEmbedding[] }
    >().toExtend<CreateEmbeddingResponse>();

    // The SDK's Base64EmbeddingResponse, as declared in openai/resources/embeddings.d.ts.
    type SdkBase64EmbeddingResponse = Omit<CreateEmbeddingResponse, "data"> & {
      data: Array<Omit<Embedding, "embedding"> & { embedding: string }>;
    };
    expectTypeOf<
      Omit<TEmbeddingResponse, "data"> & { data: TBase64Embedding[] }
    >().toExtend<SdkBase64EmbeddingResponse>();
  });

  it("reads responses as the SDK types them (SDK -> ours)", () => {
    expectTypeOf<CreateEmbeddingResponse>().toExtend<TEmbeddingResponse>();
  });
});

describe("models", () => {
  it("matches the SDK's Model both ways", () => {
    expectTypeOf<TModel>().toExtend<Model>();
    expectTypeOf<Model>().toExtend<TModel>();
  });

  it("lists models the way the SDK pages them", () => {
    // The SDK has no type for the list body (its Page<Model> class reads `data`).
    expectTypeOf<TModelList["data"]>().toExtend<Model[]>();
    expectTypeOf<{ object: "list"; data: Model[] }>().toExtend<TModelList>();
  });
});
