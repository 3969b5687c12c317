// Request (Fetch §5.4), with Workers' `cf` property; methods and URLs with credentials as workerd takes them.
import { defineGlobal, primordials } from "./00_infra.js";
import { Headers, fillHeaders, headersSetGuard } from "./20_headers.js";
import { cloneBodyState, extractBody, installBodyMixin, newBodyState } from "./22_body.js";
import { URL } from "./10_url.js";
import { dependentSignal, isAbortSignal } from "./03_abort.js";

const { TypeError: TypeErr, String: Str, StringPrototypeToUpperCase, RegExpPrototypeTest, ArrayPrototypeIndexOf } = primordials;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// The methods workerd knows (kj's HTTP method list): written in any case, they are upper-cased, as workerd does; the
// Fetch Standard upper-cases only DELETE, GET, HEAD, OPTIONS, POST and PUT. TRACE is one of them (the standard
// forbids it). Other tokens are kept as given (workerd refuses them).
const KNOWN = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "PURGE", "OPTIONS", "TRACE", "COPY", "LOCK", "MKCOL",
  "MOVE", "PROPFIND", "PROPPATCH", "SEARCH", "UNLOCK", "ACL", "REPORT", "MKACTIVITY", "CHECKOUT", "MERGE", "MSEARCH",
  "NOTIFY", "SUBSCRIBE", "UNSUBSCRIBE", "QUERY", "BAN"];

function normalizeMethod(m) {
  const s = Str(m);
  if (!RegExpPrototypeTest(TOKEN, s)) throw new TypeErr(`Invalid HTTP method string: ${s}`);
  const upper = StringPrototypeToUpperCase(s);
  if (upper === "CONNECT" || upper === "TRACK") throw new TypeErr(`Forbidden HTTP method: ${s}`);
  return ArrayPrototypeIndexOf(KNOWN, upper) !== -1 ? upper : s;
}

// A URL the WHATWG parser would serialize to itself: http(s), a lower-case host whose last label starts with a
// letter (so it is no IPv4 address) and no label is punycode, no default or zero-padded port, a path and query of
// characters that stay as they are (no backslash, no dot segment, nothing to percent-encode), no fragment.
const CANONICAL_URL = /^https?:\/\/(?:(?!xn--)[a-z0-9_-]+\.)*(?!xn--)[a-z][a-z0-9_-]*\.?(?::[1-9][0-9]{0,4})?\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/[\]|]*(?:\?[A-Za-z0-9\-._~!$&()*+,;=:@%/?[\]^|\\{}`]*)?$/;
const DOT_SEGMENT = /\/(?:\.|%2e)|:(?:80|443)\/|:(?:6553[6-9]|655[4-9][0-9]|65[6-9][0-9]{2}|6[6-9][0-9]{3}|[7-9][0-9]{4})\//i;
let canonicalFromHost = null;

export class Request {
  #method;
  #url;
  #headers;
  #redirect;
  #cf;
  #body;
  #signal;

  constructor(input, init = undefined) {
    if (arguments.length === 0) throw new TypeErr("Failed to construct 'Request': 1 argument required, but only 0 present.");
    if (init !== undefined && init !== null && typeof init !== "object") {
      throw new TypeErr("Failed to construct 'Request': The provided value is not of type 'RequestInit'.");
    }
    init = init ?? {};
    let base = null;
    if (input instanceof Request) {
      base = input;
    } else if (canonicalFromHost !== null && input === canonicalFromHost) {
      this.#url = input; // the incoming request's URL, already in its serialized form (see fromHost)
    } else {
      let parsed;
      try {
        parsed = new URL(Str(input));
      } catch {
        throw new TypeErr(`Failed to construct 'Request': Invalid URL: ${Str(input)}`);
      }
      // a URL with credentials (user:password@) is accepted and kept, as in workerd (the Fetch Standard refuses
      // it); fetch() does not send them (26_fetch.js)
      this.#url = parsed.href;
    }
    this.#method = init.method !== undefined ? normalizeMethod(init.method) : base ? base.#method : "GET";
    if (base) this.#url = base.#url;
    this.#redirect = init.redirect !== undefined ? Str(init.redirect) : base ? base.#redirect : "follow";
    if (this.#redirect !== "follow" && this.#redirect !== "manual" && this.#redirect !== "error") {
      throw new TypeErr(`Failed to construct 'Request': Invalid redirect value: ${this.#redirect}`);
    }
    this.#cf = init.cf !== undefined ? init.cf : base ? base.#cf : undefined;
    // Fetch: the request's signal follows init.signal if given (null: none), else the input Request's signal.
    let signal = base ? base.#signal : null;
    if (init.signal !== undefined) {
      if (init.signal !== null && !isAbortSignal(init.signal)) {
        throw new TypeErr("Failed to construct 'Request': member signal is not of type 'AbortSignal'.");
      }
      signal = init.signal;
    }
    this.#signal = dependentSignal(signal === null ? [] : [signal]);
    this.#headers = new Headers();
    if (init.headers !== undefined) fillHeaders(this.#headers, init.headers);
    else if (base) fillHeaders(this.#headers, base.#headers);
    headersSetGuard(this.#headers, "request");

    if (init.body !== undefined && init.body !== null) {
      if (this.#method === "GET" || this.#method === "HEAD") {
        throw new TypeErr("Request with a GET or HEAD method cannot have a body.");
      }
      const extracted = extractBody(init.body);
      this.#body = newBodyState(extracted.source);
      if (extracted.contentType !== null && !this.#headers.has("content-type")) {
        this.#headers.append("content-type", extracted.contentType);
      }
    } else if (base && init.body === undefined) {
      if (base.#body.used) throw new TypeErr("Failed to construct 'Request': Cannot construct a Request with a Request object that has already been used.");
      this.#body = newBodyState(base.#body.source);
      base.#body.used = base.#body.source !== null; // the body moves to the new request
    } else {
      this.#body = newBodyState(null);
    }
  }

  get method() { return this.#method; }
  get url() { return this.#url; }
  get headers() { return this.#headers; }
  get redirect() { return this.#redirect; }
  get signal() { return this.#signal; }
  get cf() { return this.#cf; }
  get fetcher() { return null; }
  get keepalive() { return false; }
  get integrity() { return ""; }
  get [Symbol.toStringTag]() { return "Request"; }

  clone() {
    const r = new Request(this.#url, { method: this.#method, headers: this.#headers, redirect: this.#redirect, cf: this.#cf });
    r.#body = cloneBodyState(this.#body);
    r.#signal = dependentSignal([this.#signal]);
    return r;
  }

  static bodyState(r) { return r.#body; }
  /** Builds the incoming request from the dispatch message (headers immutable, as on Workers). */
  static fromHost(method, url, headerPairs, bodySource, cf) {
    // Most incoming URLs are serialized already (what the URL parser would give back unchanged): those skip it.
    canonicalFromHost = RegExpPrototypeTest(CANONICAL_URL, url) && !RegExpPrototypeTest(DOT_SEGMENT, url) ? url : null;
    let r;
    try {
      r = new Request(url, { method, headers: headerPairs });
    } finally {
      canonicalFromHost = null;
    }
    r.#body = newBodyState(bodySource);
    r.#cf = cf;
    headersSetGuard(r.#headers, "immutable");
    return r;
  }
}
const requestBodyState = Request.bodyState;
const requestFromHost = Request.fromHost;
delete Request.bodyState;
delete Request.fromHost;
installBodyMixin(Request, requestBodyState);
export { requestBodyState, requestFromHost };

defineGlobal("Request", Request);
