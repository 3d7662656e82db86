export * from "./anthropic/messages.ts";
export * from "./enums.ts";
export * from "./identifiers.ts";
export * from "./internal.ts";
export * from "./limits.ts";
export * from "./money.ts";
export * from "./openai/chat.ts";
export * from "./openai/chat-messages.ts";
export * from "./openai/chat-tools.ts";
export {
  optionalNullish,
  type TStop,
  type TStreamOptions,
  ZCount,
  ZJsonSchemaObject,
  ZLogitBias,
  ZMetadata,
  ZStop,
  ZStreamOptions,
  ZTokenIdBatch,
  ZTokenIds,
} from "./openai/common.ts";
export * from "./openai/completions.ts";
export * from "./openai/embeddings.ts";
export * from "./openai/errors.ts";
export * from "./openai/models.ts";
export * from "./openai/responses.ts";
export * from "./openai/usage.ts";
export * from "./portal/index.ts";
export * from "./provider-kinds.ts";
