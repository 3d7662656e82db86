// Is a provider base URL safe to call on a user's behalf (BYOK)? Only https, and only hosts that
// resolve to public unicast addresses: no loopback, private, link-local, metadata, CGNAT or
// IPv4-mapped private ranges, however the address is written (decimal, hex, short forms).
import { lookup } from "node:dns/promises";
import ipaddr from "ipaddr.js";

export class UnsafeUrlError extends Error {
  override name = "UnsafeUrlError";
}

/** True for addresses on the public internet. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  return parsed.range() === "unicast";
}

export async function assertPublicUrl(raw: string, options: { allowPrivate: boolean }): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UnsafeUrlError("The base URL is not a valid URL.");
  }
  if (options.allowPrivate) {
    if (url.protocol !== "https:" && url.protocol !== "http:")
      throw new UnsafeUrlError("The base URL must use http or https.");
    return url;
  }
  if (url.protocol !== "https:") throw new UnsafeUrlError("The base URL must use https.");
  if (url.username || url.password) throw new UnsafeUrlError("The base URL must not carry credentials.");
  // WHATWG URL parsing already turns 2130706433, 0x7f.1 and friends into dotted IPv4.
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const addresses = ipaddr.isValid(host) ? [host] : await resolveAll(host);
  if (addresses.length === 0 || !addresses.every(isPublicAddress)) {
    throw new UnsafeUrlError("The base URL must resolve to a public address.");
  }
  return url;
}

async function resolveAll(host: string): Promise<string[]> {
  try {
    return (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);
  } catch {
    throw new UnsafeUrlError(`The host ${host} could not be resolved.`);
  }
}
