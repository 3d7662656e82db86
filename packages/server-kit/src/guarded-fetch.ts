// A fetch for calls to user-supplied hosts (BYOK providers): every address the host resolves to
// is checked when the connection is made, not only when the URL was saved, so a DNS answer that
// changes to a private address (rebinding) is refused too. Redirects are refused: a public host
// must not bounce the gateway elsewhere.
import { type LookupAddress, lookup } from "node:dns";
import type { LookupFunction } from "node:net";
import ipaddr from "ipaddr.js";
import { Agent, fetch as undiciFetch } from "undici";
import { isPublicAddress } from "./public-address.ts";

const guardedLookup: LookupFunction = (hostname, options, callback) => {
  lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, "", 0);
    const list = addresses as LookupAddress[];
    if (list.length === 0 || !list.every((entry) => isPublicAddress(entry.address))) {
      const refused = Object.assign(new Error(`${hostname} does not resolve to public addresses only`), {
        code: "EADDRNOTPUBLIC",
      });
      return callback(refused, "", 0);
    }
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
    return callback(null, list[0]!.address, list[0]!.family);
  });
};

export function createGuardedFetch(options: { allowPrivate: boolean }): typeof fetch {
  if (options.allowPrivate) {
    return (input, init) => fetch(input, { ...init, redirect: "error" });
  }
  const agent = new Agent({ connect: { lookup: guardedLookup } });
  return ((input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    const host = url.hostname.replace(/^\[|\]$/g, "");
    // A literal address never goes through DNS: check it here.
    if (ipaddr.isValid(host) && !isPublicAddress(host)) {
      return Promise.reject(
        Object.assign(new TypeError("fetch failed"), { cause: new Error(`${host} is not a public address`) }),
      );
    }
    return undiciFetch(
      input as never,
      { ...(init as object), dispatcher: agent, redirect: "error" } as never,
    );
  }) as unknown as typeof fetch;
}
