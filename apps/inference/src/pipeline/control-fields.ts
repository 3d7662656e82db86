// Fields a client must never steer in a request body: where the call goes and with whose
// credentials. The gateway calls providers with its own (or the org's own) keys and base URLs, so a
// body carrying one of these is refused with a 400 naming it, before anything is forwarded: a
// client's secret never reaches a third party, and a strict upstream never sees fields it rejects.
// Refused rather than stripped: a client that sends its key in the body should learn it is not used.
import { GatewayError } from "../errors.ts";

export const CONTROL_FIELDS: readonly string[] = [
  "api_key",
  "api_base",
  "api_version",
  "base_url",
  "headers",
  "extra_headers",
  "extra_query",
  "extra_body",
  "organization",
];

/** Throws the 400 for the first control field `body` carries at its top level. */
export function refuseControlFields(body: object): void {
  for (const field of CONTROL_FIELDS) {
    if (Object.hasOwn(body, field)) {
      throw new GatewayError(
        "invalid_request_error",
        `The request body may not set \`${field}\`: the gateway calls providers with its own credentials and endpoints. Remove it.`,
        field,
      );
    }
  }
}
