// Embeddings (`POST /v1/embeddings`).
import { z } from "zod";
import { ZCount, ZTokenIdBatch, ZTokenIds } from "./common.ts";

export const ZEncodingFormat = z.enum(["float", "base64"]);
export type TEncodingFormat = z.infer<typeof ZEncodingFormat>;

/** Loose: unknown fields (`input_type`, `truncate`, ...) reach OpenAI-compatible upstreams. */
export const ZEmbeddingRequest = z.looseObject({
  model: z.string().min(1),
  /** Text, texts, token ids or batches of token ids. */
  input: z.union([z.string(), z.array(z.string()).min(1), ZTokenIds.min(1), ZTokenIdBatch.min(1)]),
  /**
   * The `openai` SDK asks for "base64" whenever its caller did not choose, and decodes the
   * answer itself, so the gateway must serve both.
   */
  encoding_format: ZEncodingFormat.optional(),
  /** Output size, for models that support shortening (text-embedding-3-*). */
  dimensions: z.int().min(1).optional(),
  user: z.string().optional(),
});
export type TEmbeddingRequest = z.infer<typeof ZEmbeddingRequest>;

/** `encoding_format: "float"`. */
export const ZFloatEmbedding = z.object({
  object: z.literal("embedding"),
  index: ZCount,
  embedding: z.array(z.number()),
});
export type TFloatEmbedding = z.infer<typeof ZFloatEmbedding>;

/** `encoding_format: "base64"`: the little-endian float32 array, base64-encoded. */
export const ZBase64Embedding = z.object({
  object: z.literal("embedding"),
  index: ZCount,
  embedding: z.string(),
});
export type TBase64Embedding = z.infer<typeof ZBase64Embedding>;

/** Either, as one object, so that a bad value is reported at `data.[i].embedding`. */
export const ZEmbedding = z.object({
  object: z.literal("embedding"),
  index: ZCount,
  embedding: z.union([ZFloatEmbedding.shape.embedding, ZBase64Embedding.shape.embedding]),
});
export type TEmbedding = z.infer<typeof ZEmbedding>;

export const ZEmbeddingUsage = z.object({ prompt_tokens: ZCount, total_tokens: ZCount });
export type TEmbeddingUsage = z.infer<typeof ZEmbeddingUsage>;

export const ZEmbeddingResponse = z.object({
  object: z.literal("list"),
  data: z.array(ZEmbedding),
  model: z.string(),
  usage: ZEmbeddingUsage,
});
export type TEmbeddingResponse = z.infer<typeof ZEmbeddingResponse>;
