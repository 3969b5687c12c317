// DOMException (WebIDL §DOMException): name → legacy code table, Error.prototype in its chain.
import { defineGlobal, primordials } from "./00_infra.js";

const { ObjectDefineProperty, ObjectPrototypeHasOwnProperty, Error: Err, String: Str } = primordials;

const CODES = {
  IndexSizeError: 1, HierarchyRequestError: 3, WrongDocumentError: 4, InvalidCharacterError: 5,
  NoModificationAllowedError: 7, NotFoundError: 8, NotSupportedError: 9, InvalidStateError: 11,
  SyntaxError: 12, InvalidModificationError: 13, NamespaceError: 14, InvalidAccessError: 15,
  TypeMismatchError: 17, SecurityError: 18, NetworkError: 19, AbortError: 20, URLMismatchError: 21,
  QuotaExceededError: 22, TimeoutError: 23, InvalidNodeTypeError: 24, DataCloneError: 25,
};

export class DOMException extends Err {
  #name;
  #message;
  constructor(message = "", options = "Error") {
    super();
    this.#message = Str(message);
    this.#name = options !== null && typeof options === "object" ? Str(options.name ?? "Error") : Str(options);
    if (options !== null && typeof options === "object" && "cause" in options) {
      ObjectDefineProperty(this, "cause", { value: options.cause, writable: true, configurable: true });
    }
    // Give the instance a useful stack ("Name: message\n at ..."), formatted on first read only: formatting a
    // stack makes V8 compute the source positions of every function on it, re-parsing them (the whole streams
    // polyfill, which makes a DOMException when it loads, is one such function).
    const holder = new Err(this.#message);
    const header = this.#name + ": " + this.#message;
    let formatted = null;
    ObjectDefineProperty(this, "stack", {
      get() {
        if (formatted === null) {
          const stack = holder.stack;
          formatted = typeof stack === "string" ? header + stack.slice(stack.indexOf("\n") === -1 ? stack.length : stack.indexOf("\n")) : header;
        }
        return formatted;
      },
      set(value) { ObjectDefineProperty(this, "stack", { value, writable: true, configurable: true }); },
      configurable: true,
    });
  }
  get name() { return this.#name; }
  get message() { return this.#message; }
  get code() { return ObjectPrototypeHasOwnProperty(CODES, this.#name) ? CODES[this.#name] : 0; }
  get [Symbol.toStringTag]() { return "DOMException"; }
}
// The legacy constants, including the four whose names no longer have a DOMException name.
const CONSTANTS = { ...CODES, DomstringSizeError: 2, NoDataAllowedError: 6, InuseAttributeError: 10, ValidationError: 16 };
for (const [name, code] of Object.entries(CONSTANTS)) {
  const constName = name === "URLMismatchError" ? "URL_MISMATCH_ERR"
    : name.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase().replace(/_ERROR$/, "_ERR");
  ObjectDefineProperty(DOMException, constName, { value: code, enumerable: true });
  ObjectDefineProperty(DOMException.prototype, constName, { value: code, enumerable: true });
}

defineGlobal("DOMException", DOMException);
