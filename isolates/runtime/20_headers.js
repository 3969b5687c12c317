// Headers (Fetch §5.2): a header list of [lower-cased name, value] entries, a guard,
// combined values joined with ", ", sorted iteration, getSetCookie().
import { defineGlobal, primordials } from "./00_infra.js";

const { ArrayIsArray, ArrayPrototypePush, ArrayPrototypeSplice, ArrayPrototypeSort, ArrayPrototypeJoin, RegExpPrototypeTest,
  StringPrototypeToLowerCase, StringPrototypeReplace, StringPrototypeCharCodeAt, TypeError: TypeErr, String: Str, SymbolIterator,
  ObjectKeys, ObjectPrototypeHasOwnProperty, ObjectDefineProperty, ObjectGetPrototypeOf } = primordials;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const LEADING_TRAILING_WS = /^[\t\n\r ]+|[\t\n\r ]+$/g;

function byteString(value, what) {
  const s = Str(value);
  for (let i = 0; i < s.length; i++) {
    if (StringPrototypeCharCodeAt(s, i) > 255) {
      throw new TypeErr(`Failed to execute '${what}' on 'Headers': Value is not a valid ByteString.`);
    }
  }
  return s;
}

function normalizeName(name, what) {
  const s = byteString(name, what);
  if (!RegExpPrototypeTest(TOKEN, s)) throw new TypeErr(`Invalid header name: "${s}"`);
  return StringPrototypeToLowerCase(s);
}

function normalizeValue(value, what) {
  const s = StringPrototypeReplace(byteString(value, what), LEADING_TRAILING_WS, "");
  for (let i = 0; i < s.length; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    if (c === 0 || c === 10 || c === 13) throw new TypeErr(`Invalid header value: "${s}"`);
  }
  return s;
}

/** Guards: "none", "request", "response", "immutable" (Fetch §5.2). */
export class Headers {
  #list = [];
  #guard = "none";

  constructor(init = undefined) {
    if (init !== undefined && init !== null) fillHeaders(this, init);
    else if (init === null) throw new TypeErr("Failed to construct 'Headers': The provided value is not of type 'HeadersInit'.");
  }

  #check() {
    if (this.#guard === "immutable") throw new TypeErr("Can't modify immutable headers.");
  }

  append(name, value) {
    const n = normalizeName(name, "append");
    const v = normalizeValue(value, "append");
    this.#check();
    ArrayPrototypePush(this.#list, [n, v]);
  }

  delete(name) {
    const n = normalizeName(name, "delete");
    this.#check();
    const list = this.#list;
    for (let i = list.length - 1; i >= 0; i--) if (list[i][0] === n) ArrayPrototypeSplice(list, i, 1);
  }

  get(name) {
    const n = normalizeName(name, "get");
    const values = [];
    const list = this.#list;
    for (let i = 0; i < list.length; i++) if (list[i][0] === n) ArrayPrototypePush(values, list[i][1]);
    return values.length === 0 ? null : ArrayPrototypeJoin(values, ", ");
  }

  getSetCookie() {
    const values = [];
    const list = this.#list;
    for (let i = 0; i < list.length; i++) if (list[i][0] === "set-cookie") ArrayPrototypePush(values, list[i][1]);
    return values;
  }

  /** workerd's non-standard getAll(), for Set-Cookie only. */
  getAll(name) {
    const n = normalizeName(name, "getAll");
    if (n !== "set-cookie") throw new TypeErr("getAll() can only be used with the header name \"Set-Cookie\".");
    return this.getSetCookie();
  }

  has(name) {
    const n = normalizeName(name, "has");
    const list = this.#list;
    for (let i = 0; i < list.length; i++) if (list[i][0] === n) return true;
    return false;
  }

  set(name, value) {
    const n = normalizeName(name, "set");
    const v = normalizeValue(value, "set");
    this.#check();
    const list = this.#list;
    let found = false;
    for (let i = 0; i < list.length; i++) {
      if (list[i][0] !== n) continue;
      if (!found) { list[i] = [n, v]; found = true; } else { ArrayPrototypeSplice(list, i, 1); i--; }
    }
    if (!found) ArrayPrototypePush(list, [n, v]);
  }

  forEach(callback, thisArg = undefined) {
    if (typeof callback !== "function") throw new TypeErr("Failed to execute 'forEach' on 'Headers': parameter 1 is not of type 'Function'.");
    const pairs = sortAndCombine(this.#list);
    for (let i = 0; i < pairs.length; i++) callback.call(thisArg, pairs[i][1], pairs[i][0], this);
  }

  // WebIDL pair iterators check `this` when they are made.
  entries() { this.#brand(); return new HeadersIterator(this, "entries"); }
  keys() { this.#brand(); return new HeadersIterator(this, "keys"); }
  values() { this.#brand(); return new HeadersIterator(this, "values"); }
  #brand() { if (!(#list in this)) throw new TypeErr("Illegal invocation: 'this' is not a Headers object."); }

  get [Symbol.toStringTag]() { return "Headers"; }

  // Internal access for Request/Response (not reachable by workers: static private-name accessors).
  static list(headers) { return headers.#list; }
  static setGuard(headers, guard) { headers.#guard = guard; }
  static guard(headers) { return headers.#guard; }
  static sorted(headers) { return sortAndCombine(headers.#list); }
}
ObjectDefineProperty(Headers.prototype, SymbolIterator, { value: Headers.prototype.entries, writable: true, configurable: true });
const headersList = Headers.list;
const headersSetGuard = Headers.setGuard;
const headersSorted = Headers.sorted;
delete Headers.list;
delete Headers.setGuard;
delete Headers.guard;
delete Headers.sorted;
export { headersList, headersSetGuard, headersSorted };

function sortAndCombine(list) {
  const names = [];
  const seen = { __proto__: null };
  for (let i = 0; i < list.length; i++) if (seen[list[i][0]] !== true) { seen[list[i][0]] = true; ArrayPrototypePush(names, list[i][0]); }
  ArrayPrototypeSort(names, (a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out = [];
  for (let k = 0; k < names.length; k++) {
    const n = names[k];
    if (n === "set-cookie") {
      for (let i = 0; i < list.length; i++) if (list[i][0] === n) ArrayPrototypePush(out, [n, list[i][1]]);
    } else {
      const values = [];
      for (let i = 0; i < list.length; i++) if (list[i][0] === n) ArrayPrototypePush(values, list[i][1]);
      ArrayPrototypePush(out, [n, ArrayPrototypeJoin(values, ", ")]);
    }
  }
  return out;
}

const IteratorPrototype = ObjectGetPrototypeOf(ObjectGetPrototypeOf([][SymbolIterator]()));
class HeadersIterator {
  #headers;
  #kind;
  #index = 0;
  constructor(headers, kind) { this.#headers = headers; this.#kind = kind; }
  next() {
    const pairs = headersSorted(this.#headers);
    if (this.#index >= pairs.length) return { value: undefined, done: true };
    const pair = pairs[this.#index++];
    const value = this.#kind === "keys" ? pair[0] : this.#kind === "values" ? pair[1] : [pair[0], pair[1]];
    return { value, done: false };
  }
  get [Symbol.toStringTag]() { return "Headers Iterator"; }
}
primordials.ObjectSetPrototypeOf(HeadersIterator.prototype, IteratorPrototype);

/** Fills headers from a HeadersInit: Headers, sequence of pairs, or record. */
export function fillHeaders(headers, init) {
  if (typeof init !== "object" && typeof init !== "function") {
    throw new TypeErr("Failed to construct 'Headers': The provided value is not of type '(record<ByteString, ByteString> or sequence<sequence<ByteString>>)'.");
  }
  if (init instanceof Headers) {
    const list = headersList(init);
    for (let i = 0; i < list.length; i++) headers.append(list[i][0], list[i][1]);
    return;
  }
  if (typeof init[SymbolIterator] === "function") {
    for (const pair of init) {
      if (pair === null || typeof pair !== "object" || typeof pair[SymbolIterator] !== "function") {
        throw new TypeErr("Failed to construct 'Headers': The provided value cannot be converted to a sequence.");
      }
      const items = ArrayIsArray(pair) ? pair : [...pair];
      if (items.length !== 2) throw new TypeErr("Failed to construct 'Headers': Invalid value");
      headers.append(items[0], items[1]);
    }
    return;
  }
  const keys = ObjectKeys(init);
  for (let i = 0; i < keys.length; i++) {
    if (ObjectPrototypeHasOwnProperty(init, keys[i])) headers.append(keys[i], init[keys[i]]);
  }
}

defineGlobal("Headers", Headers);
