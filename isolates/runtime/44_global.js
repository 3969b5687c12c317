// The global scope itself, as in workerd: `self` is the global object, whose class string is
// "ServiceWorkerGlobalScope"; reportError() (HTML "report an exception").
import { defineGlobal, primordials } from "./00_infra.js";
import { reportException } from "./02_event.js";

const { ObjectDefineProperty, SymbolToStringTag, TypeError: TypeErr } = primordials;

// Like every other global, writable, configurable and not enumerable (workerd makes it enumerable).
defineGlobal("self", globalThis);
ObjectDefineProperty(globalThis, SymbolToStringTag, { value: "ServiceWorkerGlobalScope", configurable: true });

/** Reports `e` as an uncaught exception would be (logged as "Uncaught ..."), without throwing it. */
function reportError(e) {
  if (arguments.length === 0) throw new TypeErr("Failed to execute 'reportError': 1 argument required, but only 0 present.");
  reportException(e);
}
defineGlobal("reportError", reportError);
