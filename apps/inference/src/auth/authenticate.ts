import { hashApiKey } from "@gw/db";
import { GatewayError } from "../errors.ts";
import type { KeyIdentity, KeyStore } from "./key-store.ts";

/** The key a request carries: `Authorization: Bearer <key>`, or `x-api-key` (Anthropic style). */
export function extractApiKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === "string") {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  const apiKey = headers["x-api-key"];
  return typeof apiKey === "string" && apiKey.trim() ? apiKey.trim() : undefined;
}

/** How a key is shown in errors: its first characters only, like OpenAI does. */
function masked(key: string): string {
  return key.length <= 8 ? "***" : `${key.slice(0, 6)}***${key.slice(-2)}`;
}

/** Verifies the key of a request; every refusal is a 401 with a reason the caller can act on. */
export async function authenticate(
  store: KeyStore,
  headers: Record<string, string | string[] | undefined>,
  now: Date = new Date(),
): Promise<KeyIdentity> {
  const key = extractApiKey(headers);
  if (!key) {
    throw new GatewayError(
      "invalid_api_key",
      "You didn't provide an API key. Pass it as 'Authorization: Bearer <key>'.",
    );
  }
  let identity: KeyIdentity | undefined;
  try {
    identity = await store.findByHash(hashApiKey(key));
  } catch {
    throw new GatewayError(
      "service_unavailable",
      "The gateway cannot verify API keys right now. Retry shortly.",
    );
  }
  if (!identity) throw new GatewayError("invalid_api_key", `Incorrect API key provided: ${masked(key)}.`);
  if (identity.status === "revoked" || (identity.revokeAt && identity.revokeAt <= now)) {
    throw new GatewayError("invalid_api_key", `The API key ${identity.prefix}... has been revoked.`);
  }
  const expired =
    identity.status === "expired" ||
    (identity.expiresAt !== null && identity.expiresAt <= now) ||
    (identity.trialEndAt !== null && identity.trialEndAt <= now);
  if (expired) throw new GatewayError("invalid_api_key", `The API key ${identity.prefix}... has expired.`);
  if (identity.orgStatus !== "active") {
    throw new GatewayError(
      "invalid_api_key",
      `The organization of API key ${identity.prefix}... is suspended.`,
    );
  }
  return identity;
}
