// Headers (Fetch §5.2): a header list of [lower-cased name, value] entries, a guard,
// combined values joined with ", ", sorted iteration, getSetCookie().
//
// As in workerd, which Workers code is written against: a name may be empty or hold characters outside ASCII (only
// ASCII characters that are not token characters are refused), a value may hold characters above U+00FF (a
// ByteString would refuse both), iterators walk a snapshot taken when they are made, and they are workerd's
// EntryIterator/KeyIterator/ValueIterator. Names and values are USVStrings here (a lone surrogate becomes U+FFFD).
// On the wire (headersForHost) a name that is not a token is left out, as workerd does, and a value with a
// character above U+00FF goes as UTF-8; others go byte for byte, as before.
import { bytesToLatin1, defineGlobal, pairIterator, primordials } from "./00_infra.js";

const { ArrayIsArray, ArrayPrototypePush, ArrayPrototypeSplice, ArrayPrototypeSort, ArrayPrototypeJoin, RegExpPrototypeTest,
  StringPrototypeReplace, StringPrototypeCharCodeAt, StringPrototypeToLowerCase, TypeError: TypeErr, String: Str, SymbolIterator,
  ObjectKeys, ObjectPrototypeHasOwnProperty } = primordials;
const StringPrototypeToWellFormed = primordials.uncurryThis(String.prototype.toWellFormed);

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// ASCII characters that are not token characters: controls, space and the separators
const NOT_TOKEN_ASCII = /[\x00-\x20"(),/:;<=>?@[\\\]{}\x7f]/;
const ASCII_UPPER = /[A-Z]+/g;
const NON_ASCII = /[^\x00-\x7f]/;
const LEADING_TRAILING_WS = /^[\t\n\r ]+|[\t\n\r ]+$/g;

/** Lower-cases A-Z only: "É" and "é" stay two names, as in workerd. */
function asciiLower(s) {
  if (!RegExpPrototypeTest(NON_ASCII, s)) return StringPrototypeToLowerCase(s);
  return StringPrototypeReplace(s, ASCII_UPPER, (c) => StringPrototypeToLowerCase(c));
}

function normalizeName(name) {
  const s = StringPrototypeToWellFormed(Str(name));
  if (RegExpPrototypeTest(NOT_TOKEN_ASCII, s)) throw new TypeErr(`Invalid header name: "${s}"`);
  return asciiLower(s);
}

function normalizeValue(value) {
  const s = StringPrototypeReplace(StringPrototypeToWellFormed(Str(value)), LEADING_TRAILING_WS, "");
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
    const n = normalizeName(name);
    const v = normalizeValue(value);
    this.#check();
    ArrayPrototypePush(this.#list, [n, v]);
  }

  delete(name) {
    const n = normalizeName(name);
    this.#check();
    const list = this.#list;
    for (let i = list.length - 1; i >= 0; i--) if (list[i][0] === n) ArrayPrototypeSplice(list, i, 1);
  }

  get(name) {
    const n = normalizeName(name);
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
    const n = normalizeName(name);
    if (n !== "set-cookie") throw new TypeErr("getAll() can only be used with the header name \"Set-Cookie\".");
    return this.getSetCookie();
  }

  has(name) {
    const n = normalizeName(name);
    const list = this.#list;
    for (let i = 0; i < list.length; i++) if (list[i][0] === n) return true;
    return false;
  }

  set(name, value) {
    const n = normalizeName(name);
    const v = normalizeValue(value);
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

  // Each iterator walks the sorted and combined list as it was when the iterator was made (workerd; WebIDL
  // iterators re-read the list at each step).
  entries() { return pairIterator("entries", this.#snapshot()); }
  keys() { return pairIterator("keys", this.#snapshot()); }
  values() { return pairIterator("values", this.#snapshot()); }
  [SymbolIterator]() { return pairIterator("entries", this.#snapshot()); } // not entries() itself, as in workerd
  #snapshot() {
    if (!(#list in this)) throw new TypeErr("Illegal invocation: 'this' is not a Headers object.");
    return sortAndCombine(this.#list);
  }

  get [Symbol.toStringTag]() { return "Headers"; }

  // Internal access for Request/Response (not reachable by workers: static private-name accessors).
  static list(headers) { return headers.#list; }
  static setGuard(headers, guard) { headers.#guard = guard; }
  static guard(headers) { return headers.#guard; }
  static sorted(headers) { return sortAndCombine(headers.#list); }
}
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

/**
 * The header list as the host sends it: [name, value] byte strings (one character per byte). A name that is not
 * an HTTP token is left out, as workerd leaves it out; a value with a character above U+00FF goes as its UTF-8
 * bytes (workerd sends UTF-8), any other byte for byte.
 */
export function headersForHost(headers) {
  const list = headersList(headers);
  const out = [];
  for (let i = 0; i < list.length; i++) {
    const [name, value] = list[i];
    if (!RegExpPrototypeTest(TOKEN, name)) continue;
    ArrayPrototypePush(out, [name, RegExpPrototypeTest(ABOVE_LATIN1, value) ? utf8ByteString(value) : value]);
  }
  return out;
}
const ABOVE_LATIN1 = /[^\x00-\xff]/;
const utf8 = new TextEncoder();
function utf8ByteString(s) { return bytesToLatin1(utf8.encode(s)); }

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
