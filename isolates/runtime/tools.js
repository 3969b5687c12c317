// Deploy-time tools, bundled as dist/tools.js and loaded only in a separate "tools" isolate:
// __edgeworker_tools.transform(source) turns an ES module worker into a classic script that keeps
// every line and (except on line 1) every column, so V8's positions in errors and stacks stay true.
import { Parser } from "acorn";

const PREFIX = '(function($ew$){"use strict";';
const SUFFIX = "\n})(globalThis.__edgeworker.moduleExports());";
const IMPORTS_UNSUPPORTED = "dynamic import() and import.meta are not supported: import modules statically";
const IDENT = /^[A-Za-z_$][\w$]*$/;

class TransformError extends Error {
  constructor(message, loc) {
    super(message);
    this.loc = loc;
  }
}

function parse(source, sourceType) {
  return Parser.parse(source, { ecmaVersion: "latest", sourceType, locations: true, allowHashBang: true });
}

function syntaxError(e) {
  return {
    error: {
      name: "SyntaxError",
      message: String(e.message).replace(/\s*\(\d+:\d+\)$/, ""),
      line: e.loc ? e.loc.line : null,
      column: e.loc ? e.loc.column + 1 : null,
    },
  };
}

function serviceWorker(source) {
  return { format: "service-worker", code: source, line1Offset: 0 };
}

/** Names bound by a declaration pattern. */
function boundNames(pattern, out) {
  switch (pattern.type) {
    case "Identifier": out.push(pattern.name); break;
    case "ObjectPattern": for (const p of pattern.properties) boundNames(p.type === "RestElement" ? p.argument : p.value, out); break;
    case "ArrayPattern": for (const el of pattern.elements) if (el) boundNames(el, out); break;
    case "RestElement": boundNames(pattern.argument, out); break;
    case "AssignmentPattern": boundNames(pattern.left, out); break;
  }
  return out;
}

const FUNCTIONS = new Set(["FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression"]);

/** Throws on import.meta / import() anywhere and on await outside functions. */
function checkTree(node, inFunction) {
  if (node === null || typeof node !== "object") return;
  if (Array.isArray(node)) { for (const n of node) checkTree(n, inFunction); return; }
  if (typeof node.type !== "string") return;
  if (node.type === "MetaProperty" && node.meta.name === "import") throw new TransformError(IMPORTS_UNSUPPORTED, node.loc.start);
  if (node.type === "ImportExpression") throw new TransformError(IMPORTS_UNSUPPORTED, node.loc.start);
  if (!inFunction && (node.type === "AwaitExpression" || (node.type === "ForOfStatement" && node.await))) {
    throw new TransformError("top-level await is not supported in a worker module: await inside the handler instead", node.loc.start);
  }
  const nested = inFunction || FUNCTIONS.has(node.type);
  for (const key in node) {
    if (key === "loc" || key === "type" || key === "start" || key === "end") continue;
    const v = node[key];
    if (v !== null && typeof v === "object") checkTree(v, nested);
  }
}

function isRelative(specifier) {
  return specifier.startsWith("./") || specifier.startsWith("../") || specifier.startsWith("/");
}

function bareSpecifierMessage(specifier) {
  return `cannot import "${specifier}": only relative imports ("./x.js") between the worker's own modules are ` +
    "resolved; bundle npm packages and built-in modules into the worker (e.g. esbuild --bundle --format=esm)";
}

function singleFileImport(specifier) {
  if (!isRelative(specifier)) return bareSpecifierMessage(specifier);
  return `cannot import "${specifier}": imports between modules need the worker's modules deployed together ` +
    "(a `modules` map with `main`, or `edgeworker deploy DIR`), or a bundle";
}

function access(name) {
  return IDENT.test(name) ? `$ew$.${name}` : `$ew$[${JSON.stringify(name)}]`;
}

function transformModule(source, ast) {
  const chars = source.split("");
  const blank = (start, end) => { for (let i = start; i < end; i++) if (chars[i] !== "\n" && chars[i] !== "\r") chars[i] = " "; };
  const put = (start, text) => { for (let i = 0; i < text.length; i++) chars[start + i] = text[i]; };
  const appended = [];
  if (source.startsWith("#!")) put(0, "//");

  for (const node of ast.body) {
    switch (node.type) {
      case "ImportDeclaration":
      case "ExportAllDeclaration":
        throw new TransformError(singleFileImport(node.source.value), node.loc.start);
      case "ExportDefaultDeclaration": {
        const decl = node.declaration;
        const named = (decl.type === "FunctionDeclaration" || decl.type === "ClassDeclaration") && decl.id;
        if (named) {
          blank(node.start, decl.start);
          appended.push(`$ew$.default = ${decl.id.name};`);
        } else {
          const head = source.slice(node.start, decl.start);
          if (head.length < 14 || /[\r\n]/.test(head.slice(0, 14)) || head.includes("/")) {
            throw new TransformError("unsupported form of `export default`: write it on one line as `export default <value>`", node.loc.start);
          }
          blank(node.start, decl.start);
          put(node.start, "$ew$.default =");
        }
        break;
      }
      case "ExportNamedDeclaration": {
        if (node.source) throw new TransformError(singleFileImport(node.source.value), node.loc.start);
        if (node.declaration) {
          blank(node.start, node.declaration.start);
          const decl = node.declaration;
          const names = decl.type === "VariableDeclaration"
            ? decl.declarations.flatMap((d) => boundNames(d.id, []))
            : [decl.id.name];
          for (const n of names) appended.push(`${access(n)} = ${n};`);
        } else {
          blank(node.start, node.end);
          for (const spec of node.specifiers) {
            const local = spec.local.type === "Identifier" ? spec.local.name : spec.local.value;
            const exported = spec.exported.type === "Identifier" ? spec.exported.name : spec.exported.value;
            appended.push(`${access(exported)} = ${local};`);
          }
        }
        break;
      }
    }
  }
  checkTree(ast.body, false);
  const code = PREFIX + chars.join("") + "\n;" + appended.join(" ") + SUFFIX;
  return { format: "modules", code, line1Offset: PREFIX.length };
}

/**
 * The source with its import and export syntax blanked out (same lines and columns), wrapped in a function
 * expression that is never called: evaluating it makes V8 parse the module's code and report the syntax error in
 * its own words. Import declarations and `export {…} [from …]` / `export * from …` become spaces, `export`
 * before a declaration goes, and `export default` becomes an assignment of the same length.
 */
const PROBE_PREFIX = '(function(){"use strict";'; // modules are strict code

function syntaxProbe(source, errorPos) {
  const chars = source.split("");
  const blank = (from, to) => { for (let i = from; i < to; i++) if (chars[i] !== "\n" && chars[i] !== "\r") chars[i] = " "; };
  const tokens = [];
  try {
    for (const t of Parser.tokenizer(source, { ecmaVersion: "latest", sourceType: "module", allowHashBang: true })) {
      if (t.start >= errorPos) break;
      tokens.push(t);
    }
  } catch {
    // the tokens before the error are enough
  }
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const word = t.type.keyword;
    if (word === "import" && !(tokens[i + 1] && (tokens[i + 1].type.label === "(" || tokens[i + 1].type.label === "."))) {
      let j = i + 1;
      while (j < tokens.length && tokens[j].type.label !== "string") j++;
      const end = j < tokens.length ? tokens[j].end : t.end;
      blank(t.start, end);
      i = j;
    } else if (word === "export") {
      const next = tokens[i + 1];
      if (next && (next.type.label === "{" || next.type.label === "*")) {
        let j = i + 1;
        while (j < tokens.length && tokens[j].type.label !== "}" && tokens[j].type.label !== "string") j++;
        if (j < tokens.length && tokens[j].type.label === "}" && tokens[j + 1] && tokens[j + 1].value === "from") j += 2;
        const end = j < tokens.length ? tokens[j].end : next.end;
        blank(t.start, end);
        i = j;
      } else if (next && next.type.keyword === "default") {
        blank(t.start, next.end);
        const assign = "$d=";
        for (let k = 0; k < assign.length; k++) chars[next.end - assign.length + k] = assign[k];
        i++;
      } else {
        blank(t.start, t.end);
      }
    }
  }
  return PROBE_PREFIX + chars.join("") + "\n})";
}

function isModule(ast) {
  return ast.body.some((n) => n.type === "ImportDeclaration" || n.type.startsWith("Export"));
}

function transform(source) {
  source = String(source);
  let ast;
  try {
    ast = parse(source, "module");
  } catch (moduleError) {
    try {
      parse(source, "script");
      return serviceWorker(source); // sloppy-mode script
    } catch (scriptError) {
      if (/^(import|export)\b/.test(source.slice(scriptError.pos))) {
        // A module with a syntax error: acorn's wording, and a probe for V8's own (see syntaxProbe).
        const answer = syntaxError(moduleError);
        answer.probe = syntaxProbe(source, moduleError.pos);
        return answer;
      }
      return serviceWorker(source); // V8 reports its own SyntaxError when the script is evaluated
    }
  }
  if (!isModule(ast)) return serviceWorker(source);
  try {
    return transformModule(source, ast);
  } catch (e) {
    if (e instanceof TransformError) {
      return { error: { name: "SyntaxError", message: e.message, line: e.loc.line, column: e.loc.column + 1 } };
    }
    throw e;
  }
}

// ---- multi-module workers: the linker ----------------------------------------------------------------
//
// link({modules: {name: {type, content | content_b64}}, main}) turns a module graph into ONE classic script:
//
//   (function($ew$R){"use strict";function*$ew$m3($ew$){var a,b;$ew$.b({["x"]:()=>x},function($ew$v){...});yield;<main>
//   ;}
//   function*$ew$m0($ew$){...;yield;<lib/util.js>
//   ;}
//   $ew$R([$ew$m0,null,...],[...table...]);
//   })(function(gens,table){...the loader...})
//   //# edgeworker-modules=[["index.js",1,40,61],["lib/util.js",42,12,83]]
//
// Each ES module is a generator function over its own scope, its text kept in place (imports and `export`
// keywords blanked), so lines stay true and the main module, first in the script, keeps its columns too. Calling
// the generator instantiates the module (hoisted function declarations exist); the first next() runs the prefix,
// which hands the loader getters for its exports and a setter for its import bindings (plain `var`s); the second
// next() runs the body. The loader instantiates every module, then evaluates them depth-first post-order, each
// once; import bindings are refreshed before the first evaluation and after each one, and an assignment to an
// exported binding anywhere is wrapped in `$ew$.u(...)`, which refreshes them again: live bindings. Namespace
// objects are getters. The trailing comment maps script lines back to modules for error positions.

const MODULE_TYPES = new Set(["esm", "text", "data", "json", "wasm"]);
const LINE_BREAK = /\r\n?|[\n\u2028\u2029]/g;

class LinkError extends Error {
  constructor(name, message, module, loc) {
    super(message);
    this.errorName = name;
    this.module = module;
    this.loc = loc || null;
  }
}

const hasOwn = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
const nameOf = (node) => (node.type === "Identifier" ? node.name : String(node.value));
const countLines = (text) => (text.match(LINE_BREAK) || []).length + 1;

function resolveSpecifier(from, specifier, loc) {
  if (!isRelative(specifier)) throw new LinkError("Error", bareSpecifierMessage(specifier), from, loc);
  const parts = specifier.startsWith("/") ? [] : from.split("/").slice(0, -1);
  for (const part of specifier.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (parts.length === 0) {
        throw new LinkError("Error", `cannot import "${specifier}": it points outside the worker's modules`, from, loc);
      }
      parts.pop();
    } else {
      parts.push(part);
    }
  }
  return parts.join("/");
}

function analyzeEsm(name, source) {
  let ast;
  try {
    ast = parse(source, "module");
  } catch (e) {
    throw new LinkError("SyntaxError", String(e.message).replace(/\s*\(\d+:\d+\)$/, ""), name, e.loc);
  }
  const rec = {
    name, type: "esm", source, ast,
    requests: [], // [{target, specifier, loc}] in source order, each target once
    imports: new Map(), // local name -> {from, specifier, imported (null: the namespace), loc}
    locals: new Map(), // export name -> local name (null: the `export default <expression>` value)
    indirect: new Map(), // export name -> {from, specifier, imported (null: the namespace), loc}
    stars: [], // module names of `export * from`
  };
  const request = (node) => {
    const specifier = String(node.source.value);
    const target = resolveSpecifier(name, specifier, node.source.loc.start);
    if (!rec.requests.some((r) => r.target === target)) rec.requests.push({ target, specifier, loc: node.source.loc.start });
    return { from: target, specifier };
  };
  for (const node of ast.body) {
    switch (node.type) {
      case "ImportDeclaration": {
        const { from, specifier } = request(node);
        for (const spec of node.specifiers) {
          const imported = spec.type === "ImportNamespaceSpecifier" ? null
            : spec.type === "ImportDefaultSpecifier" ? "default" : nameOf(spec.imported);
          rec.imports.set(spec.local.name, { from, specifier, imported, loc: spec.loc.start });
        }
        break;
      }
      case "ExportAllDeclaration": {
        const { from, specifier } = request(node);
        if (node.exported) rec.indirect.set(nameOf(node.exported), { from, specifier, imported: null, loc: node.loc.start });
        else rec.stars.push(from);
        break;
      }
      case "ExportNamedDeclaration":
        if (node.source) {
          const { from, specifier } = request(node);
          for (const spec of node.specifiers) {
            rec.indirect.set(nameOf(spec.exported), { from, specifier, imported: nameOf(spec.local), loc: spec.loc.start });
          }
        } else if (node.declaration) {
          const decl = node.declaration;
          const names = decl.type === "VariableDeclaration"
            ? decl.declarations.flatMap((d) => boundNames(d.id, []))
            : [decl.id.name];
          for (const n of names) rec.locals.set(n, n);
        } else {
          for (const spec of node.specifiers) rec.locals.set(nameOf(spec.exported), nameOf(spec.local));
        }
        break;
      case "ExportDefaultDeclaration": {
        const decl = node.declaration;
        const named = (decl.type === "FunctionDeclaration" || decl.type === "ClassDeclaration") && decl.id;
        rec.locals.set("default", named ? decl.id.name : null);
        break;
      }
    }
  }
  for (const [exported, local] of [...rec.locals]) {
    const imp = local !== null ? rec.imports.get(local) : undefined;
    if (imp) { // `import { a } from "./x.js"; export { a as b }` re-exports x's binding
      rec.locals.delete(exported);
      rec.indirect.set(exported, imp);
    }
  }
  try {
    checkTree(ast.body, false);
  } catch (e) {
    if (e instanceof TransformError) throw new LinkError("SyntaxError", e.message, name, e.loc);
    throw e;
  }
  return rec;
}

function otherModule(name, type) {
  return { name, type, requests: [], imports: new Map(), locals: new Map([["default", "default"]]), indirect: new Map(), stars: [] };
}

/** ResolveExport of ECMA-262 16.2.1.6.3: {rec, name} (name null: rec's namespace), null, or "ambiguous". */
function resolveExport(records, rec, name, seen = new Set()) {
  const key = `${rec.name}\u0000${name}`;
  if (seen.has(key)) return null;
  seen.add(key);
  if (rec.locals.has(name)) return { rec, name };
  const ind = rec.indirect.get(name);
  if (ind) {
    const target = records.get(ind.from);
    return ind.imported === null ? { rec: target, name: null } : resolveExport(records, target, ind.imported, seen);
  }
  if (name === "default") return null;
  let found = null;
  for (const from of rec.stars) {
    const r = resolveExport(records, records.get(from), name, seen);
    if (r === "ambiguous") return r;
    if (r !== null) {
      if (found === null) found = r;
      else if (found.rec !== r.rec || found.name !== r.name) return "ambiguous";
    }
  }
  return found;
}

function exportNames(records, rec, seen = new Set()) {
  if (seen.has(rec)) return [];
  seen.add(rec);
  const names = [...rec.locals.keys(), ...rec.indirect.keys()];
  for (const from of rec.stars) {
    for (const n of exportNames(records, records.get(from), seen)) if (n !== "default" && !names.includes(n)) names.push(n);
  }
  return names;
}

function resolveImport(records, rec, imp) {
  const target = records.get(imp.from);
  if (imp.imported === null) return { rec: target, name: null };
  const r = resolveExport(records, target, imp.imported);
  if (r === null) {
    throw new LinkError("SyntaxError", `The requested module '${imp.specifier}' does not provide an export named '${imp.imported}'`, rec.name, imp.loc);
  }
  if (r === "ambiguous") {
    throw new LinkError("SyntaxError", `The requested module '${imp.specifier}' contains conflicting star exports for name '${imp.imported}'`, rec.name, imp.loc);
  }
  return r;
}

/** The module's text with imports and `export` keywords blanked, and assignments to its exported bindings wrapped. */
function moduleBody(rec) {
  const { source, ast } = rec;
  const chars = source.split("");
  const blank = (start, end) => { for (let i = start; i < end; i++) if (chars[i] !== "\n" && chars[i] !== "\r" && chars[i] !== "\u2028" && chars[i] !== "\u2029") chars[i] = " "; };
  const put = (start, text) => { for (let i = 0; i < text.length; i++) chars[start + i] = text[i]; };
  if (source.startsWith("#!")) put(0, "//");
  for (const node of ast.body) {
    switch (node.type) {
      case "ImportDeclaration":
      case "ExportAllDeclaration":
        blank(node.start, node.end);
        break;
      case "ExportNamedDeclaration":
        blank(node.start, node.declaration ? node.declaration.start : node.end);
        break;
      case "ExportDefaultDeclaration": {
        const decl = node.declaration;
        if (rec.locals.get("default") !== null) {
          blank(node.start, decl.start);
        } else {
          const head = source.slice(node.start, decl.start);
          if (head.length < 14 || /[\r\n]/.test(head.slice(0, 14)) || head.includes("/")) {
            throw new LinkError("SyntaxError", "unsupported form of `export default`: write it on one line as `export default <value>`", rec.name, node.loc.start);
          }
          blank(node.start, decl.start);
          put(node.start, "$ew$.default =");
        }
        break;
      }
    }
  }
  // only bindings that some module imports by name need their importers told: namespaces read through getters
  const exported = new Set([...rec.locals].filter(([name, local]) => local !== null && rec.importedByName.has(name)).map(([, local]) => local));
  if (exported.size > 0) {
    const targets = (node) => (node.type === "Identifier" ? [node.name] : boundNames(node, []));
    const walk = (node) => {
      if (node === null || typeof node !== "object") return;
      if (Array.isArray(node)) { for (const n of node) walk(n); return; }
      if (typeof node.type !== "string") return;
      const target = node.type === "AssignmentExpression" ? node.left : node.type === "UpdateExpression" ? node.argument : null;
      if (target !== null && (target.type === "Identifier" || target.type.endsWith("Pattern")) && targets(target).some((n) => exported.has(n))) {
        chars[node.start] = "$ew$.u(" + chars[node.start];
        chars[node.end - 1] += ")";
      }
      for (const key in node) {
        if (key === "loc" || key === "type" || key === "start" || key === "end") continue;
        const v = node[key];
        if (v !== null && typeof v === "object") walk(v);
      }
    };
    walk(ast.body);
  }
  return chars.join("");
}

function modulePrefix(rec, index) {
  const getters = [...rec.locals].map(([exported, local]) => `[${JSON.stringify(exported)}]:()=>${local === null ? "$ew$.default" : local}`);
  const names = [...rec.imports.keys()];
  const vars = names.length ? `var ${names.join(",")};` : "";
  const setter = names.length ? `,function($ew$v){${names.map((n, i) => `${n}=$ew$v[${i}];`).join("")}}` : "";
  return `function*$ew$m${index}($ew$){${vars}$ew$.b({${getters.join(",")}}${setter});yield;`;
}

// The loader, evaluated as part of every linked worker before any module runs. It captures what it uses first.
const LOADER = `function(gens, table) {
  const defineProperty = Object.defineProperty, create = Object.create, preventExtensions = Object.preventExtensions;
  const ObjectKeys = Object.keys, toStringTag = Symbol.toStringTag;
  const JSONParse = JSON.parse, atob = globalThis.atob, Uint8ArrayC = Uint8Array, wasmModule = globalThis.__edgeworker.wasmModule;
  const charCodeAt = Function.prototype.call.bind(String.prototype.charCodeAt);
  const exportsObject = globalThis.__edgeworker.moduleExports();
  const n = table.length, locals = [], namespaces = [], setters = [], bytes = (b64) => {
    const s = atob(b64), out = new Uint8ArrayC(s.length);
    for (let i = 0; i < s.length; i++) out[i] = charCodeAt(s, i);
    return out;
  };
  function refresh() {
    for (let s = 0; s < setters.length; s++) {
      const specs = setters[s].specs, values = [];
      for (let k = 0; k < specs.length; k++) {
        const j = specs[k][0], name = specs[k][1];
        try { values[k] = name === null ? namespaces[j] : locals[j][name](); } catch { values[k] = undefined; }
      }
      setters[s].set(values);
    }
  }
  const notify = (value) => { refresh(); return value; };
  const gs = [];
  for (let i = 0; i < n; i++) {
    namespaces[i] = create(null);
    const m = table[i];
    if (m.t === "esm") continue;
    let value;
    try {
      value = m.t === "text" ? m.v : m.t === "json" ? JSONParse(m.v) : m.t === "data" ? bytes(m.v).buffer : wasmModule(bytes(m.v));
    } catch (e) {
      throw new e.constructor(\`\${m.n}: \${e.message}\`);
    }
    locals[i] = create(null);
    locals[i].default = () => value;
  }
  for (let i = 0; i < n; i++) {
    if (table[i].t !== "esm") continue;
    const holder = create(null);
    holder.default = undefined;
    holder.u = notify;
    holder.b = (getters, set) => {
      locals[i] = getters;
      if (set !== undefined) setters[setters.length] = { specs: table[i].imports, set };
    };
    gs[i] = gens[i](holder);
    gs[i].next();
  }
  for (let i = 0; i < n; i++) {
    const ns = namespaces[i], members = table[i].ns;
    for (let k = 0; k < members.length; k++) {
      const j = members[k][1], name = members[k][2];
      defineProperty(ns, members[k][0], {
        get: name === null ? () => namespaces[j] : () => locals[j][name](), enumerable: true, configurable: false,
      });
    }
    defineProperty(ns, toStringTag, { value: "Module" });
    preventExtensions(ns);
  }
  refresh();
  for (let i = 0; i < n; i++) {
    if (gs[i] === undefined) continue;
    gs[i].next();
    refresh();
  }
  const main = namespaces[n - 1], names = ObjectKeys(main);
  for (let k = 0; k < names.length; k++) {
    const name = names[k];
    defineProperty(exportsObject, name, { get: () => main[name], enumerable: true });
  }
}`;

function decodeName(name) {
  const parts = String(name).split("/");
  if (!name || name.startsWith("/") || parts.some((p) => p === "" || p === "." || p === "..")) {
    throw new LinkError("Error", `invalid module name ${JSON.stringify(name)}: use a relative path such as "lib/util.js"`, null, null);
  }
  return name;
}

function link(input) {
  const modules = input.modules;
  const main = input.main;
  for (const name of Object.keys(modules)) {
    decodeName(name);
    const type = modules[name] && modules[name].type;
    if (!MODULE_TYPES.has(type)) {
      throw new LinkError("Error", `module ${name} has unknown type ${JSON.stringify(type)}; known: ${[...MODULE_TYPES].join(", ")}`, name, null);
    }
  }
  if (!hasOwn(modules, main)) throw new LinkError("Error", `the main module ${JSON.stringify(main)} is not among the worker's modules`, null, null);
  if (modules[main].type !== "esm") throw new LinkError("Error", `the main module ${main} must be an ES module, not ${modules[main].type}`, main, null);

  const mainSource = String(modules[main].content);
  let mainAst = null;
  try { mainAst = parse(mainSource, "module"); } catch { /* transform() reports it, or it is a service-worker script */ }
  if (mainAst === null || !isModule(mainAst)) {
    const result = transform(mainSource);
    if (result.error) result.error.module = main;
    return result;
  }

  const records = new Map();
  const order = [];
  const visit = (name) => {
    if (records.has(name)) return;
    const m = modules[name];
    let rec;
    if (m.type === "esm") rec = analyzeEsm(name, String(m.content));
    else {
      rec = otherModule(name, m.type);
      if (m.type === "json") {
        rec.value = String(m.content);
        try { JSON.parse(rec.value); } catch (e) { throw new LinkError("SyntaxError", `${name} is not valid JSON: ${e.message}`, name, null); }
      } else if (m.type === "text") {
        rec.value = String(m.content);
      } else {
        rec.value = String(m.content_b64 === undefined ? "" : m.content_b64);
      }
    }
    records.set(name, rec);
    for (const req of rec.requests) {
      if (!hasOwn(modules, req.target)) {
        throw new LinkError("Error", `No such module "${req.target}" (imported as "${req.specifier}")`, name, req.loc);
      }
      visit(req.target);
    }
    order.push(rec);
  };
  visit(main);
  // main is the last module evaluated; renumber so that table index = evaluation order
  order.forEach((rec, i) => { rec.index = i; });

  const table = [];
  for (const rec of order) rec.importedByName = new Set();
  for (const rec of order) {
    const entry = { t: rec.type };
    if (rec.type === "esm") {
      entry.imports = [...rec.imports.values()].map((imp) => {
        const r = resolveImport(records, rec, imp);
        if (r.name !== null) r.rec.importedByName.add(r.name);
        return [r.rec.index, r.name];
      });
      for (const ind of rec.indirect.values()) if (ind.imported !== null) resolveImport(records, rec, ind);
    } else {
      entry.v = rec.value;
      entry.n = rec.name;
    }
    const names = exportNames(records, rec).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    entry.ns = [];
    for (const name of names) {
      const r = resolveExport(records, rec, name);
      if (r !== null && r !== "ambiguous") entry.ns.push([name, r.rec.index, r.name]);
    }
    table.push(entry);
  }

  const head = '(function($ew$R){"use strict";';
  const mainRec = records.get(main);
  const layout = [mainRec, ...order.filter((r) => r !== mainRec && r.type === "esm")];
  let code = head;
  let line = 1;
  let line1Offset = 0;
  const map = [];
  for (const rec of layout) {
    const prefix = modulePrefix(rec, rec.index);
    if (rec === mainRec) line1Offset = head.length + prefix.length;
    const body = moduleBody(rec);
    map.push([rec.name, line, countLines(body), rec === mainRec ? line1Offset : prefix.length]);
    code += prefix + body + "\n;}\n";
    line += countLines(body) + 1;
  }
  const gens = order.map((rec) => (rec.type === "esm" ? `$ew$m${rec.index}` : "null"));
  code += `$ew$R([${gens.join(",")}],${JSON.stringify(table)});\n})(${LOADER});\n` +
    `//# edgeworker-modules=${JSON.stringify(map)}`;
  return { format: "modules", code, line1Offset };
}

function linkResult(input) {
  try {
    return link(input);
  } catch (e) {
    if (e instanceof LinkError || e instanceof TransformError) {
      const name = e instanceof LinkError ? e.errorName : "SyntaxError";
      return {
        error: {
          name, message: e.message, module: e.module === undefined ? null : e.module,
          line: e.loc ? e.loc.line : null, column: e.loc ? e.loc.column + 1 : null,
        },
      };
    }
    throw e;
  }
}

Object.defineProperty(globalThis, "__edgeworker_tools", {
  value: Object.freeze({
    transform: (source) => JSON.stringify(transform(source)),
    link: (input) => JSON.stringify(linkResult(JSON.parse(input))),
  }),
  enumerable: false,
});
