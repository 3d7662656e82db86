import { describe, expect, it } from "vitest";
import { assertPublicUrl, isPublicAddress, UnsafeUrlError } from "../src/index.ts";

describe("outbound URL safety (SSRF)", () => {
  it.each([
    "https://127.0.0.1/v1",
    "https://localhost/v1",
    "https://10.1.2.3/v1",
    "https://172.16.0.1/v1",
    "https://192.168.1.1/v1",
    "https://169.254.169.254/latest/meta-data",
    "https://100.64.0.1/v1",
    "https://0.0.0.0/v1",
    "https://[::1]/v1",
    "https://[fe80::1]/v1",
    "https://[fd00::1]/v1",
    "https://[::ffff:127.0.0.1]/v1",
    "https://[::ffff:10.0.0.1]/v1",
    "https://2130706433/v1",
    "https://0x7f000001/v1",
    "https://0177.0.0.1/v1",
    "https://127.1/v1",
    "https://user:pass@api.example.com/v1",
    "http://api.openai.com/v1",
    "ftp://example.com",
    "not a url",
  ])("refuses %s", async (url) => {
    await expect(assertPublicUrl(url, { allowPrivate: false })).rejects.toBeInstanceOf(UnsafeUrlError);
  });

  it("refuses a name that resolves to a private address", async () => {
    // localhost resolves through the system resolver to loopback: DNS-to-private.
    await expect(assertPublicUrl("https://localhost:8443/v1", { allowPrivate: false })).rejects.toThrow(
      /public address/,
    );
  });

  it("accepts public addresses, and private ones only when the operator allows them", async () => {
    await expect(assertPublicUrl("https://8.8.8.8/v1", { allowPrivate: false })).resolves.toBeInstanceOf(URL);
    await expect(
      assertPublicUrl("https://[2606:4700:4700::1111]/v1", { allowPrivate: false }),
    ).resolves.toBeInstanceOf(URL);
    await expect(assertPublicUrl("http://10.0.0.5:8000/v1", { allowPrivate: true })).resolves.toBeInstanceOf(
      URL,
    );
    expect(isPublicAddress("1.1.1.1")).toBe(true);
    expect(isPublicAddress("::ffff:192.168.0.1")).toBe(false);
    expect(isPublicAddress("not-an-ip")).toBe(false);
  });
});
