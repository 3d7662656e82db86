// A thin fetch on undici.request for the provider SDKs. Node's global fetch (undici's full WHATWG
// implementation) costs several times more CPU per call than undici.request, and so does wrapping
// undici's answer in a WHATWG Response (a web ReadableStream over the Node stream, a Headers
// object). The SDKs (`openai`, `@anthropic-ai/sdk`) only use a Response's status, ok, headers.get,
// text()/json(), and a body they read as an async iterable (both accept one that is not a web
// stream) and cancel through the iterator's return(). So the answer here is a small Response
// look-alike: its body is undici's Node stream itself, its headers a read-only view of undici's
// header record. Keep-alive connections are pooled per origin.
import { Readable } from "node:stream";
import { Agent, type Dispatcher, request } from "undici";

const NO_BODY = new Set([101, 204, 205, 304]);

function headerRecord(headers: RequestInit["headers"]): Record<string, string> {
  if (!headers) return {};
  if (headers instanceof Headers) {
    const record: Record<string, string> = {};
    headers.forEach((value, name) => {
      record[name] = value;
    });
    return record;
  }
  if (Array.isArray(headers)) return Object.fromEntries(headers);
  return headers as Record<string, string>;
}

type RawHeaders = Record<string, string | string[] | undefined>;

/** The read side of WHATWG Headers over undici's record (names already lower case). */
class ResponseHeaders {
  constructor(private readonly raw: RawHeaders) {}
  get(name: string): string | null {
    const value = this.raw[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(", ") : value;
  }
  has(name: string): boolean {
    return this.raw[name.toLowerCase()] !== undefined;
  }
  *entries(): IterableIterator<[string, string]> {
    for (const name of Object.keys(this.raw).sort()) {
      const value = this.get(name);
      if (value !== null) yield [name, value];
    }
  }
  keys(): IterableIterator<string> {
    return Array.from(this.entries(), ([name]) => name)[Symbol.iterator]();
  }
  values(): IterableIterator<string> {
    return Array.from(this.entries(), ([, value]) => value)[Symbol.iterator]();
  }
  forEach(callback: (value: string, name: string, parent: ResponseHeaders) => void): void {
    for (const [name, value] of this.entries()) callback(value, name, this);
  }
  getSetCookie(): string[] {
    const value = this.raw["set-cookie"];
    return value === undefined ? [] : Array.isArray(value) ? value : [value];
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

type UndiciBody = Dispatcher.ResponseData["body"];

/** What the SDKs read of a Response; `body` is an async iterable of bytes (a Node Readable). */
class FastResponse {
  readonly ok: boolean;
  readonly statusText = "";
  readonly redirected = false;
  readonly type = "basic";
  readonly headers: ResponseHeaders;
  private readonly stream: UndiciBody | null;

  constructor(
    readonly url: string,
    readonly status: number,
    headers: RawHeaders,
    body: UndiciBody | null,
  ) {
    this.ok = status >= 200 && status < 300;
    this.headers = new ResponseHeaders(headers);
    this.stream = body;
  }
  get body(): UndiciBody | null {
    return this.stream;
  }
  get bodyUsed(): boolean {
    return this.stream?.bodyUsed ?? false;
  }
  /** Like fetch: a body can be read once (a second read rejects with TypeError). */
  private consume<T>(read: (body: UndiciBody) => Promise<T>, empty: () => T): Promise<T> {
    if (!this.stream) return Promise.resolve(empty());
    if (this.stream.bodyUsed || this.stream.destroyed) {
      return Promise.reject(new TypeError("Body is unusable: Body has already been read"));
    }
    return read(this.stream);
  }
  text(): Promise<string> {
    return this.consume(
      (body) => body.text(),
      () => "",
    );
  }
  json(): Promise<unknown> {
    return this.text().then((text) => JSON.parse(text));
  }
  arrayBuffer(): Promise<ArrayBuffer> {
    return this.consume(
      (body) => body.arrayBuffer(),
      () => new ArrayBuffer(0),
    );
  }
  blob(): Promise<Blob> {
    // undici's Blob is node:buffer's; programs typed with the DOM lib (the web app reaches this
    // file through the portal's router type) name a different but compatible Blob.
    return this.consume(
      (body) => body.blob() as Promise<Blob>,
      () => new Blob([]),
    );
  }
}

export function createFastFetch(options: { dispatcher?: Dispatcher } = {}): typeof fetch {
  // Per origin: long streams each hold a connection, so the pool must not queue the 257th stream
  // behind the first 256 (the benchmark's 1,000 open streams found that).
  const dispatcher = options.dispatcher ?? new Agent({ keepAliveTimeout: 30_000, connections: 4096 });
  return (async (input: Parameters<typeof fetch>[0], init: RequestInit = {}) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const body = init.body;
    const result = await request(url, {
      method: (init.method ?? "GET") as Dispatcher.HttpMethod,
      headers: headerRecord(init.headers),
      body:
        body === null || body === undefined
          ? undefined
          : typeof body === "string" || body instanceof Uint8Array
            ? body
            : Readable.fromWeb(body as never),
      signal: init.signal ?? undefined,
      dispatcher,
    });
    // The reader sees errors through the iterator; without a listener here an abort or a destroy
    // would also surface as an unhandled 'error' event and bring the process down.
    result.body.on("error", () => {});
    if (result.statusCode >= 300 && result.statusCode < 400 && init.redirect === "error") {
      result.body.destroy();
      throw new TypeError("fetch failed", { cause: new Error("redirect refused") });
    }
    const noBody = NO_BODY.has(result.statusCode);
    if (noBody) result.body.destroy();
    return new FastResponse(url, result.statusCode, result.headers, noBody ? null : result.body);
  }) as unknown as typeof fetch;
}
