// fetch() (Fetch §5.6) for outbound requests. The HTTP exchange happens on the host (isolates/ops.py,
// op `op_fetch_send`): it applies the egress policy (isolates/egress.py) to every connection and redirect hop,
// follows redirects itself in `follow` mode, counts the request against the subrequest limit and answers with
// the whole response (bodies are buffered both ways for now). Bytes cross as base64.
import { defineGlobal, hostCall, primordials } from "./00_infra.js";
import { DOMException } from "./01_dom_exception.js";
import { fromB64, toB64 } from "./09_base64.js";
import { URL } from "./10_url.js";
import { headersForHost, headersSetGuard } from "./20_headers.js";
import { consumeBody } from "./22_body.js";
import { Request, requestBodyState } from "./23_request.js";
import { Response } from "./23_response.js";

const { TypeError: TypeErr, Promise: P, PromisePrototypeThen, ObjectDefineProperty,
  ArrayPrototypeIndexOf, StringPrototypeCharCodeAt, Uint8Array: U8, Error: Err, RegExpPrototypeTest } = primordials;


const NULL_BODY_STATUS = [101, 103, 204, 205, 304];

function abortReason(signal) {
  const reason = signal.reason;
  return reason !== undefined ? reason : new DOMException("The operation was aborted.", "AbortError");
}

function buildResponse(r) {
  const status = r.status;
  const nullBody = ArrayPrototypeIndexOf(NULL_BODY_STATUS, status) !== -1;
  const body = nullBody ? null : fromB64(r.body);
  // The Response constructor only takes 200–599: keep the wire status for anything else a server may send.
  const init = { status: status >= 200 && status <= 599 ? status : 200, statusText: r.statusText, headers: r.headers };
  const response = new Response(body, init);
  if (init.status !== status) ObjectDefineProperty(response, "status", { value: status, configurable: true });
  headersSetGuard(response.headers, "immutable");
  // 23_response.js has no way to set a response's URL yet: own properties shadow its prototype getters.
  const url = r.url;
  const redirected = r.redirected === true;
  ObjectDefineProperty(response, "url", { get() { return url; }, configurable: true });
  ObjectDefineProperty(response, "redirected", { get() { return redirected; }, configurable: true });
  return response;
}

let nextAbortToken = 1;

async function send(request, signal, token) {
  const bodyState = requestBodyState(request);
  let body = null;
  if (bodyState.source !== null) body = toB64(await consumeBody(bodyState));
  if (signal !== null && signal.aborted) throw abortReason(signal);
  const args = { method: request.method, url: withoutCredentials(request.url), headers: headersForHost(request.headers), body, redirect: request.redirect };
  if (token !== 0) args.abort = token;
  const r = await hostCall("op_fetch_send", args);
  if (r !== null && typeof r === "object" && r.error) {
    throw r.error.name === "Error" ? new Err(r.error.message) : new TypeErr(r.error.message);
  }
  return buildResponse(r);
}

// A Request URL may carry credentials (as in workerd); like workerd, fetch() does not send them (no Authorization
// header is made from them).
const USERINFO = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i;
function withoutCredentials(href) {
  if (!RegExpPrototypeTest(USERINFO, href)) return href;
  const url = new URL(href);
  url.username = "";
  url.password = "";
  return url.href;
}

function fetch(input, init = undefined) {
  return new P((resolve, reject) => {
    if (arguments.length === 0) {
      throw new TypeErr("Failed to execute 'fetch': 1 argument required, but only 0 present.");
    }
    const request = new Request(input, init); // a `signal` that is not an AbortSignal is a TypeError (Fetch, workerd)
    const signal = request.signal;
    if (signal !== null && signal.aborted) { reject(abortReason(signal)); return; }
    let settled = false;
    const token = signal !== null ? nextAbortToken++ : 0;
    const onAbort = () => {
      if (settled) return;
      settled = true;
      reject(abortReason(signal));
      // Closes the host's request too; its promise settles with the rest of the request's ops.
      PromisePrototypeThen(hostCall("op_fetch_abort", { abort: token }), undefined, () => {});
    };
    if (signal !== null && typeof signal.addEventListener === "function") signal.addEventListener("abort", onAbort, { once: true });
    PromisePrototypeThen(send(request, signal, token), (response) => {
      if (signal !== null && typeof signal.removeEventListener === "function") signal.removeEventListener("abort", onAbort);
      if (!settled) { settled = true; resolve(response); }
    }, (error) => {
      if (signal !== null && typeof signal.removeEventListener === "function") signal.removeEventListener("abort", onAbort);
      if (!settled) { settled = true; reject(error); }
    });
  });
}

defineGlobal("fetch", fetch);
