// Deploy-time tools, bundled as dist/tools.js and loaded only in a separate "tools" isolate:
// __edgeworker_tools.transform(source) turns an ES module worker into a classic script that keeps
// every line and (except on line 1) every column, so V8's positions in errors and stacks stay true.
import { Parser } from "acorn";

const PREFIX = '(function($ew$){"use strict";';
const SUFFIX = "\n})(globalThis.__edgeworker.moduleExports());";
const IMPORTS_UNSUPPORTED = "imports between modules are not supported in a single-file worker yet";
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
        throw new TransformError(IMPORTS_UNSUPPORTED, node.loc.start);
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
        if (node.source) throw new TransformError(IMPORTS_UNSUPPORTED, node.loc.start);
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
      if (/^(import|export)\b/.test(source.slice(scriptError.pos))) return syntaxError(moduleError);
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

Object.defineProperty(globalThis, "__edgeworker_tools", {
  value: Object.freeze({ transform: (source) => JSON.stringify(transform(source)) }),
  enumerable: false,
});
