// performance.now(), navigator.userAgent. As on Workers, time advances only between crossings
// (timeOrigin is 0, so performance.now() equals the frozen request clock).
import { defineGlobal, now } from "./00_infra.js";

class Performance {
  get timeOrigin() { return 0; }
  now() { return now(); }
  toJSON() { return { timeOrigin: 0 }; }
  get [Symbol.toStringTag]() { return "Performance"; }
}
class Navigator {
  get userAgent() { return "Cloudflare-Workers"; }
  get hardwareConcurrency() { return 1; }
  get [Symbol.toStringTag]() { return "Navigator"; }
}

defineGlobal("performance", new Performance());
defineGlobal("navigator", new Navigator());
