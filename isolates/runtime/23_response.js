// Response (Fetch §5.5): constructor, Response.json/redirect/error, clone.
// As in workerd (Workers code is written against it): a body of length 0 ("", an empty buffer, Blob or
// URLSearchParams) with a null-body status is dropped instead of refused, Response.json() of a value JSON.stringify
// cannot serialise (undefined, a function, a symbol) answers the text "undefined", and Response.error()'s headers
// can be changed; the Fetch Standard throws TypeError in all three cases.
import { defineGlobal, primordials } from "./00_infra.js";
import { Headers, fillHeaders, headersSetGuard } from "./20_headers.js";
import { cloneBodyState, extractBody, installBodyMixin, newBodyState, bytesSource } from "./22_body.js";
import { URL } from "./10_url.js";

const { TypeError: TypeErr, RangeError: RangeErr, String: Str, Number: Num, JSONStringify, RegExpPrototypeTest, ArrayPrototypeIndexOf } = primordials;

const NULL_BODY_STATUS = [101, 204, 205, 304];
const REDIRECT_STATUS = [301, 302, 303, 307, 308];
const REASON = /^[\t\x20-\x7e\x80-\xff]*$/;
const encoder = new TextEncoder();

export class Response {
  #status = 200;
  #statusText = "";
  #headers;
  #body;
  #type = "default";
  #url = "";

  constructor(body = null, init = undefined) {
    if (init !== undefined && init !== null && typeof init !== "object") {
      throw new TypeErr("Failed to construct 'Response': The provided value is not of type 'ResponseInit'.");
    }
    init = init ?? {};
    if (init.status !== undefined) {
      const status = Num(init.status);
      if (!(status === 101 || (status >= 200 && status <= 599)) || (status | 0) !== status) {
        throw new RangeErr(`Failed to construct 'Response': The status provided (${init.status}) is outside the range [200, 599].`);
      }
      this.#status = status;
    }
    if (init.statusText !== undefined) {
      const text = Str(init.statusText);
      if (!RegExpPrototypeTest(REASON, text)) throw new TypeErr("Failed to construct 'Response': Invalid statusText.");
      this.#statusText = text;
    }
    this.#headers = new Headers();
    if (init.headers !== undefined) fillHeaders(this.#headers, init.headers);
    headersSetGuard(this.#headers, "response");
    const extracted = body !== null && body !== undefined ? extractBody(body) : null;
    if (extracted !== null && ArrayPrototypeIndexOf(NULL_BODY_STATUS, this.#status) !== -1) {
      if (extracted.source.kind !== "bytes" || extracted.source.bytes.length !== 0) {
        throw new TypeErr(`Response with null body status (${this.#status}) cannot have a body.`);
      }
      this.#body = newBodyState(null); // an empty body is dropped, Content-Type and all (workerd)
    } else if (extracted !== null) {
      this.#body = newBodyState(extracted.source);
      if (extracted.contentType !== null && !this.#headers.has("content-type")) {
        this.#headers.append("content-type", extracted.contentType);
      }
    } else {
      this.#body = newBodyState(null);
    }
  }

  get status() { return this.#status; }
  get statusText() { return this.#statusText; }
  get ok() { return this.#status >= 200 && this.#status <= 299; }
  get headers() { return this.#headers; }
  get type() { return this.#type; }
  get url() { return this.#url; }
  get redirected() { return false; }
  get webSocket() { return null; }
  get [Symbol.toStringTag]() { return "Response"; }

  clone() {
    const r = new Response(null, { status: this.#status === 0 || this.#status === 101 ? 200 : this.#status, statusText: this.#statusText, headers: this.#headers });
    r.#status = this.#status;
    r.#type = this.#type;
    r.#url = this.#url;
    r.#body = cloneBodyState(this.#body);
    return r;
  }

  static json(data, init = undefined) {
    const text = JSONStringify(data) ?? "undefined"; // workerd answers "undefined" where the standard throws
    const r = new Response(null, init);
    if ((ArrayPrototypeIndexOf(NULL_BODY_STATUS, r.#status) !== -1)) throw new TypeErr(`Response with null body status (${r.#status}) cannot have a body.`);
    r.#body = newBodyState(bytesSource(encoder.encode(text)));
    if (!r.#headers.has("content-type")) r.#headers.append("content-type", "application/json");
    return r;
  }

  static redirect(url, status = 302) {
    let parsed;
    try {
      parsed = new URL(Str(url));
    } catch {
      throw new TypeErr(`Failed to execute 'redirect' on 'Response': Invalid URL: ${Str(url)}`);
    }
    status = Num(status);
    if (ArrayPrototypeIndexOf(REDIRECT_STATUS, status) === -1) throw new RangeErr(`Failed to execute 'redirect' on 'Response': Invalid status code: ${status}`);
    const r = new Response(null, { status, headers: { location: parsed.href } });
    headersSetGuard(r.#headers, "immutable");
    return r;
  }

  static error() {
    const r = new Response(null);
    r.#status = 0;
    r.#type = "error"; // its headers keep the "response" guard: workerd lets a worker change them
    return r;
  }

  static bodyState(r) { return r.#body; }
}
const responseBodyState = Response.bodyState;
delete Response.bodyState;
installBodyMixin(Response, responseBodyState);
export { responseBodyState };

defineGlobal("Response", Response);
