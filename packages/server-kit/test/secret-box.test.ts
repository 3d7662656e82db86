import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createSecretBox, lastFour, SecretBoxError } from "../src/index.ts";

const key = randomBytes(32).toString("hex");

describe("secret box (AES-256-GCM bound to its owner)", () => {
  it("round-trips, with a fresh IV each time, and the plaintext nowhere in the sealed value", () => {
    const box = createSecretBox(key);
    const a = box.seal("sk-provider-secret-1234", "org:1/provider:9");
    const b = box.seal("sk-provider-secret-1234", "org:1/provider:9");
    expect(a).not.toBe(b);
    expect(a).not.toContain("secret");
    expect(box.open(a, "org:1/provider:9")).toBe("sk-provider-secret-1234");
  });

  it("refuses another owner, another key and a tampered value, all alike", () => {
    const sealed = createSecretBox(key).seal("secret", "org:1/provider:9");
    expect(() => createSecretBox(key).open(sealed, "org:2/provider:9")).toThrow(SecretBoxError);
    expect(() =>
      createSecretBox(randomBytes(32).toString("base64")).open(sealed, "org:1/provider:9"),
    ).toThrow("the secret could not be opened");
    const parts = sealed.split(".");
    parts[3] = `${parts[3]!.slice(0, -2)}AA`;
    expect(() => createSecretBox(key).open(parts.join("."), "org:1/provider:9")).toThrow(SecretBoxError);
    expect(() => createSecretBox("short")).toThrow(/32 bytes/);
  });

  it("shows only the last four characters", () => {
    expect(lastFour("sk-abcdefgh1234")).toBe("1234");
    expect(lastFour("abc")).toBe("****");
  });
});
