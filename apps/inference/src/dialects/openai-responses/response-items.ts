// The conversation state the gateway keeps for the Responses API, as items: what to store after a
// response so that a later `previous_response_id` can be expanded into input, and how
// `item_reference` input items are resolved against stored items. Pure: storage is the caller's.
//
// A stored conversation is the request's input items followed by the response's output items as
// input items (OpenAI accepts a Response's output items back as input). `instructions` are not
// part of it: OpenAI does not carry them over to the next response either.
import type { TResponsesInputItem, TResponsesRequest } from "@gw/contracts";
import type { Response, ResponseInputItem, ResponseOutputItem } from "openai/resources/responses/responses";
import { GatewayError } from "../../errors.ts";

/** Finds a stored item by id (a message `msg_...`, a function call `fc_...`, ...). */
export type ItemLookup = (id: string) => ResponseInputItem | undefined;

function isReference(
  item: TResponsesInputItem,
): item is TResponsesInputItem & { type: "item_reference"; id: string } {
  return (item as { type?: string }).type === "item_reference";
}

/** An output item as an input item: the same object, without output-only logprobs. */
function asInputItem(item: ResponseOutputItem): ResponseInputItem {
  const copy = structuredClone(item);
  if (copy.type === "message") {
    for (const part of copy.content) if (part.type === "output_text") delete part.logprobs;
  }
  return copy as ResponseInputItem;
}

/**
 * The items to store for `response` so that a later request naming it as `previous_response_id`
 * continues the conversation: the request's input (a string becomes one user message), already
 * expanded by the gateway, followed by the response's output as input items.
 * @throws Error if the input still holds an item_reference (resolve them first).
 */
export function responseInputItems(
  input: TResponsesRequest["input"],
  response: Pick<Response, "output">,
): ResponseInputItem[] {
  const items: ResponseInputItem[] = [];
  if (typeof input === "string") items.push({ type: "message", role: "user", content: input });
  for (const [i, item] of (input === undefined || typeof input === "string" ? [] : input).entries()) {
    if (isReference(item)) throw new Error(`input[${i}] is an unresolved item_reference`);
    items.push(structuredClone(item) as ResponseInputItem);
  }
  for (const item of response.output) items.push(asInputItem(item));
  return items;
}

/** The ids `input` references, so the caller can fetch the stored items in one go. */
export function referencedItemIds(input: readonly TResponsesInputItem[]): string[] {
  return [...new Set(input.filter(isReference).map((item) => item.id))];
}

/**
 * `input` with every item_reference replaced by the stored item `lookup` returns for its id.
 * @throws GatewayError invalid_request_error naming `input[i]` for an id with no stored item.
 */
export function resolveItemReferences(
  input: readonly TResponsesInputItem[],
  lookup: ItemLookup,
): TResponsesInputItem[] {
  return input.map((item, i) => {
    if (!isReference(item)) return item;
    const found = lookup(item.id);
    if (!found) {
      throw new GatewayError("not_found", `Item with id '${item.id}' not found.`, `input[${i}]`);
    }
    return structuredClone(found) as TResponsesInputItem;
  });
}
