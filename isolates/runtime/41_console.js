// console: every method formats its arguments like Node's util.format (%s %d %i %f %o %O %j %c %%)
// and appends [level, text] to the request's logs (00_infra.js caps them).
import { defineGlobal, now, primordials, pushLog, zeroLengths } from "./00_infra.js";

const { ArrayIsArray, ArrayPrototypePush, ArrayPrototypeJoin, ObjectKeys, ObjectGetPrototypeOf, ObjectPrototypeToString,
  JSONStringify, String: Str, Number: Num, ArrayBufferIsView, RegExpPrototypeTest, StringPrototypeReplace, Map: M,
  MapPrototypeGet, MapPrototypeSet, MapPrototypeDelete, Error: Err, ReflectApply } = primordials;
const NumberParseInt = Number.parseInt;
const NumberParseFloat = Number.parseFloat;
const ObjectIs = Object.is;
const MapEntries = primordials.uncurryThis(Map.prototype.entries);
const SetValues = primordials.uncurryThis(Set.prototype.values);
const DateToISOString = primordials.uncurryThis(Date.prototype.toISOString);
const RegExpToString = primordials.uncurryThis(RegExp.prototype.toString);
const FunctionToString = primordials.uncurryThis(Function.prototype.toString);
const IDENT = /^[A-Za-z_$][\w$]*$/;

function quote(s) {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  return q + StringPrototypeReplace(s, q === "'" ? /['\\\n]/g : /["\\\n]/g, (c) => (c === "\n" ? "\\n" : "\\" + c)) + q;
}

function constructorName(v) {
  try {
    const proto = ObjectGetPrototypeOf(v);
    if (proto === null) return null;
    const c = proto.constructor;
    return typeof c === "function" && typeof c.name === "string" ? c.name : null;
  } catch {
    return null;
  }
}

export function inspect(value, depth = 2, seen = []) {
  switch (typeof value) {
    case "string": return seen.length === 0 ? value : quote(value);
    case "number": return ObjectIs(value, -0) ? "-0" : Str(value);
    case "bigint": return Str(value) + "n";
    case "boolean": case "undefined": return Str(value);
    case "symbol": return value.toString();
    case "function": {
      const isClass = RegExpPrototypeTest(/^class\b/, FunctionToString(value));
      const kind = isClass ? "class" : "Function";
      return value.name ? (isClass ? `[class ${value.name}]` : `[Function: ${value.name}]`) : `[${kind} (anonymous)]`;
    }
  }
  if (value === null) return "null";
  if (seen.includes(value)) return "[Circular *1]";
  const tag = ObjectPrototypeToString(value);
  if (value instanceof Err || tag === "[object Error]") {
    return typeof value.stack === "string" && value.stack ? value.stack : `${value.name}: ${value.message}`;
  }
  if (tag === "[object Date]") return DateToISOString(value);
  if (tag === "[object RegExp]") return RegExpToString(value);
  if (tag === "[object Promise]") return "Promise { <unknown> }";
  const name = constructorName(value);
  const nested = [...seen, value];
  const inner = (v) => (depth < 0 ? "" : inspect(v, depth - 1, nested));
  if (ArrayIsArray(value)) {
    if (depth < 0) return "[Array]";
    const parts = [];
    for (let i = 0; i < value.length && i < 100; i++) ArrayPrototypePush(parts, inspect(value[i], depth - 1, nested));
    if (value.length > 100) ArrayPrototypePush(parts, `... ${value.length - 100} more items`);
    return parts.length ? `[ ${ArrayPrototypeJoin(parts, ", ")} ]` : "[]";
  }
  if (ArrayBufferIsView(value) && tag !== "[object DataView]") {
    const parts = [];
    for (let i = 0; i < value.length && i < 100; i++) ArrayPrototypePush(parts, inspect(value[i], 0, nested));
    if (value.length > 100) ArrayPrototypePush(parts, `... ${value.length - 100} more items`);
    return `${name}(${value.length}) [${parts.length ? " " + ArrayPrototypeJoin(parts, ", ") + " " : ""}]`;
  }
  if (tag === "[object Map]") {
    if (depth < 0) return "[Map]";
    const parts = [];
    for (const [k, v] of MapEntries(value)) ArrayPrototypePush(parts, `${inner(k)} => ${inner(v)}`);
    return `Map(${value.size}) {${parts.length ? " " + ArrayPrototypeJoin(parts, ", ") + " " : ""}}`;
  }
  if (tag === "[object Set]") {
    if (depth < 0) return "[Set]";
    const parts = [];
    for (const v of SetValues(value)) ArrayPrototypePush(parts, inner(v));
    return `Set(${value.size}) {${parts.length ? " " + ArrayPrototypeJoin(parts, ", ") + " " : ""}}`;
  }
  const prefix = name === null ? "[Object: null prototype] " : name === "Object" ? "" : name + " ";
  if (depth < 0) return `[${name ?? "Object"}]`;
  const keys = ObjectKeys(value);
  const parts = [];
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    let v;
    try { v = value[k]; } catch { v = "[Getter]"; }
    ArrayPrototypePush(parts, `${RegExpPrototypeTest(IDENT, k) ? k : quote(k)}: ${inspect(v, depth - 1, nested)}`);
  }
  return parts.length ? `${prefix}{ ${ArrayPrototypeJoin(parts, ", ")} }` : `${prefix}{}`;
}

export function format(args) {
  const first = args[0];
  let i = 0;
  const out = [];
  if (typeof first === "string" && args.length > 1) {
    i = 1;
    let s = "";
    let last = 0;
    for (let j = 0; j < first.length - 1; j++) {
      if (first[j] !== "%") continue;
      const c = first[j + 1];
      let rep;
      if (c === "%") rep = "%";
      else if (i >= args.length) continue;
      else if (c === "s") { const a = args[i++]; rep = typeof a === "string" ? a : typeof a === "object" && a !== null ? inspect(a, 1, [null]) : inspect(a); }
      else if (c === "d") { const a = args[i++]; rep = typeof a === "bigint" ? a + "n" : typeof a === "object" && a !== null ? "NaN" : Str(Num(a)); }
      else if (c === "i") { const a = args[i++]; rep = typeof a === "bigint" ? a + "n" : Str(NumberParseInt(a)); }
      else if (c === "f") { rep = Str(NumberParseFloat(args[i++])); }
      else if (c === "j") { try { rep = Str(JSONStringify(args[i++])); } catch { rep = "[Circular]"; } }
      else if (c === "o" || c === "O") rep = inspect(args[i++], c === "o" ? 4 : 2, [null]);
      else if (c === "c") { i++; rep = ""; }
      else continue;
      s += first.slice(last, j) + rep;
      last = j + 2;
      j++;
    }
    ArrayPrototypePush(out, s + first.slice(last));
  }
  for (; i < args.length; i++) ArrayPrototypePush(out, inspect(args[i]));
  return ArrayPrototypeJoin(out, " ");
}

let indent = "";
const counts = new M();
const timersByLabel = new M();

function emit(level, args) {
  let text = format(args);
  if (indent) text = indent + StringPrototypeReplace(text, /\n/g, "\n" + indent);
  pushLog(level, text);
}

const console = {
  log(...args) { emit("log", args); },
  info(...args) { emit("info", args); },
  debug(...args) { emit("debug", args); },
  warn(...args) { emit("warn", args); },
  error(...args) { emit("error", args); },
  trace(...args) {
    const stack = new Err().stack ?? "";
    emit("log", ["Trace" + (args.length ? ": " + format(args) : "") + stack.slice(stack.indexOf("\n"))]);
  },
  dir(obj) { pushLog("log", indent + inspect(obj, 2, [null])); },
  dirxml(...args) { emit("log", args); },
  table(data) { emit("log", [data]); },
  assert(condition, ...args) {
    if (!condition) emit("error", args.length ? ["Assertion failed: " + format(args)] : ["Assertion failed"]);
  },
  count(label = "default") {
    const n = (MapPrototypeGet(counts, Str(label)) ?? 0) + 1;
    MapPrototypeSet(counts, Str(label), n);
    emit("info", [`${label}: ${n}`]);
  },
  countReset(label = "default") { MapPrototypeDelete(counts, Str(label)); },
  group(...args) { if (args.length) emit("log", args); indent += "  "; },
  groupCollapsed(...args) { if (args.length) emit("log", args); indent += "  "; },
  groupEnd() { indent = indent.slice(2); },
  time(label = "default") { MapPrototypeSet(timersByLabel, Str(label), now()); },
  timeLog(label = "default", ...args) {
    const t = MapPrototypeGet(timersByLabel, Str(label));
    if (t !== undefined) emit("info", [`${label}: ${now() - t}ms`, ...args]);
  },
  timeEnd(label = "default") {
    const t = MapPrototypeGet(timersByLabel, Str(label));
    if (t !== undefined) { emit("info", [`${label}: ${now() - t}ms`]); MapPrototypeDelete(timersByLabel, Str(label)); }
  },
};
for (const k of ObjectKeys(console)) primordials.ObjectDefineProperty(console, k, { enumerable: true });
export { console };
void ReflectApply;

defineGlobal("console", zeroLengths(console)); // every method has length 0, as in workerd
