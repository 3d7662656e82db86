// Secrets at rest (BYOK provider keys): AES-256-GCM with a random 96-bit IV, the ciphertext bound
// to its owner (e.g. "org:<id>/provider:<id>") as additional authenticated data, so a sealed value
// copied to another organization or provider fails to open. Format: "v1.<iv>.<tag>.<data>" (base64url).
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

export class SecretBoxError extends Error {
  override name = "SecretBoxError";
}

export interface SecretBox {
  seal(plaintext: string, owner: string): string;
  open(sealed: string, owner: string): string;
}

/** `key` is 32 bytes, given as 64 hex characters or base64 (ENCRYPTION_KEY). */
export function createSecretBox(key: string): SecretBox {
  const raw = /^[0-9a-f]{64}$/i.test(key) ? Buffer.from(key, "hex") : Buffer.from(key, "base64");
  if (raw.length !== 32)
    throw new SecretBoxError("ENCRYPTION_KEY must be 32 bytes: 64 hex characters or base64");
  return {
    seal(plaintext, owner) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", raw, iv);
      cipher.setAAD(Buffer.from(owner, "utf8"));
      const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      return ["v1", iv, cipher.getAuthTag(), data]
        .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
        .join(".");
    },
    open(sealed, owner) {
      const [version, iv, tag, data] = sealed.split(".");
      if (version !== "v1" || !iv || !tag || data === undefined)
        throw new SecretBoxError("not a sealed secret");
      try {
        const decipher = createDecipheriv("aes-256-gcm", raw, Buffer.from(iv, "base64url"));
        decipher.setAAD(Buffer.from(owner, "utf8"));
        decipher.setAuthTag(Buffer.from(tag, "base64url"));
        return Buffer.concat([decipher.update(Buffer.from(data, "base64url")), decipher.final()]).toString(
          "utf8",
        );
      } catch {
        // Never say more: a wrong key, a wrong owner and a tampered value look the same.
        throw new SecretBoxError("the secret could not be opened");
      }
    },
  };
}

/**
 * The owner a BYOK provider key is sealed to: the portal seals with it, the inference service opens
 * with it, so a key copied to another organization or provider row does not open.
 */
export const providerKeyOwner = (orgId: string, providerId: string) => `org:${orgId}/provider:${providerId}`;

/** What a person may see of a secret: its last four characters. */
export function lastFour(secret: string): string {
  return secret.length <= 4 ? "****" : secret.slice(-4);
}
