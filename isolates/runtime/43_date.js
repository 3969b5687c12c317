// Date, with its clock frozen while JavaScript runs: `Date.now()` and `new Date()` read the runtime's clock,
// which advances only when the host crosses into the isolate (a dispatch, a timer firing, a host call
// completing), as on Workers. This damps timing side channels: a busy loop cannot watch the clock move.
// Everything else is the engine's own Date (same prototype, so `instanceof Date` holds).
import { now } from "./00_infra.js";

const OriginalDate = globalThis.Date;
const OriginalNow = OriginalDate.now;
const ReflectConstruct = Reflect.construct;
const ObjectDefineProperty = Object.defineProperty;
const ObjectGetOwnPropertyDescriptors = Object.getOwnPropertyDescriptors;
const ReflectOwnKeys = Reflect.ownKeys;
const DateToString = OriginalDate.prototype.toString;
const FunctionCall = Function.prototype.call;

// Before the first request (a script's top level at deploy) the clock has not been set yet.
function frozenNow() {
  const t = now();
  return t > 0 ? t : OriginalNow();
}

function Date(...args) {
  if (new.target === undefined) return FunctionCall.call(DateToString, new OriginalDate(frozenNow()));
  return ReflectConstruct(OriginalDate, args.length === 0 ? [frozenNow()] : args, new.target);
}

const statics = ObjectGetOwnPropertyDescriptors(OriginalDate);
for (const key of ReflectOwnKeys(statics)) {
  if (key === "prototype" || key === "name" || key === "length") continue;
  ObjectDefineProperty(Date, key, statics[key]);
}
ObjectDefineProperty(Date, "now", {
  value: function now() {
    return frozenNow();
  },
  writable: true,
  configurable: true,
});
ObjectDefineProperty(Date, "prototype", { value: OriginalDate.prototype, writable: false, configurable: false });
ObjectDefineProperty(OriginalDate.prototype, "constructor", { value: Date, writable: true, configurable: true });
ObjectDefineProperty(Date, "length", { value: 7, configurable: true });
ObjectDefineProperty(globalThis, "Date", { value: Date, writable: true, configurable: true, enumerable: false });
