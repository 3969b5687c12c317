// Bundles the runtime (dist/runtime.js) and the deploy-time tools (dist/tools.js) with esbuild.
// Both are IIFEs: nothing but the globals each file defines on purpose reaches script scope.
import { build } from "esbuild";
import { readdirSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const sources = readdirSync(here).filter((f) => /^\d\d_.*\.js$/.test(f)).sort();
const entry = sources.map((f) => `import "./${f}";`).join("\n");

// Lazily evaluated parts: each `edgeworker:lazy/<name>` import is a package bundled on its own into an
// IIFE and wrapped, as source code, in a function that runs it and returns its exports. V8 compiles a
// function's body only when it is first called (it only pre-parses it while loading the runtime), so a
// big, rarely used part costs almost nothing until a worker touches it, and no code is ever generated
// from strings (`--disallow-code-generation-from-strings` holds, as on Workers).
const LAZY = {
  tr46: join(here, "..", "..", "node_modules", "tr46", "index.js"),
  streams: join(here, "..", "..", "node_modules", "web-streams-polyfill", "dist", "ponyfill.mjs"),
  fflate: join(here, "lib", "fflate_entry.js"),
  urlpattern: join(here, "..", "..", "node_modules", "urlpattern-polyfill", "dist", "urlpattern.js"),
  multibyte: join(here, "..", "..", "node_modules", "@exodus", "bytes", "multi-byte.js"),
};
// JSON data (tr46's mapping table) as a string given to JSON.parse: V8 scans a string literal far faster
// than it pre-parses the same data as an array literal, and JSON.parse is not code generation.
const jsonAsString = {
  name: "json-as-string",
  setup(b) {
    b.onLoad({ filter: /\.json$/ }, async (args) => {
      const text = JSON.stringify(JSON.parse(await readFile(args.path, "utf8")));
      return { contents: `module.exports = JSON.parse(${JSON.stringify(text)});`, loader: "js" };
    });
  },
};
const lazySources = new Map();
async function lazySource(name) {
  if (!lazySources.has(name)) {
    const out = await build({
      bundle: true, format: "iife", globalName: "__edgeworker_lazy", platform: "neutral", target: "es2022",
      minify: process.env.EDGEWORKER_MINIFY !== "0", legalComments: "inline", logLevel: "warning", write: false,
      mainFields: ["module", "main"], entryPoints: [LAZY[name]], plugins: [jsonAsString],
    });
    lazySources.set(name, out.outputFiles[0].text);
  }
  return lazySources.get(name);
}
// The bundle sees each lazy part only as a call to a marker; writeBundle() puts the part's IIFE in its place once
// the bundle is built, so that the bundle's own options (keepNames) do not rewrite the package's code (keepNames
// would add a call per function to code that is only meant to be pre-parsed).
const marker = (name) => `__edgeworker_lazy_part_${name}`;
const lazyParts = {
  name: "edgeworker-lazy",
  setup(b) {
    b.onResolve({ filter: /^edgeworker:lazy\// }, (args) => ({ path: args.path.slice("edgeworker:lazy/".length), namespace: "edgeworker-lazy" }));
    b.onLoad({ filter: /.*/, namespace: "edgeworker-lazy" }, (args) => ({
      contents: `export default function load() { return ${marker(args.path)}(); }\n`, loader: "js",
    }));
  },
};

const common = {
  bundle: true,
  format: "iife",
  platform: "neutral",
  target: "es2022",
  minify: process.env.EDGEWORKER_MINIFY !== "0",
  // Minified, but classes and functions keep their names (Event.name is "Event", as on Workers): the names
  // show in e.constructor.name, console output and error reports. Measured: +12 KB (+4 KB gzipped) and about
  // +1 ms per isolate creation. Not in the lazy parts (see writeBundle): 06_streams.js names the stream classes.
  keepNames: true,
  legalComments: "eof",
  logLevel: "warning",
  mainFields: ["module", "main"],
  plugins: [lazyParts],
  // whatwg-url loads the full @exodus/bytes encoding table set (legacy multi-byte encodings) only to
  // percent-encode form data in non-UTF-8 encodings, which Workers never do: use the lite entry point.
  // tr46's tables load lazily, only for non-ASCII or punycode hostnames (see lib/tr46_lazy.js).
  alias: { "@exodus/bytes/encoding.js": "@exodus/bytes/encoding-lite.js", tr46: "./isolates/runtime/lib/tr46_lazy.js" },
};

/** Builds `options` and writes its output with the lazy parts' code in place of their markers. */
async function writeBundle(options) {
  const out = await build({ ...options, write: false });
  for (const file of out.outputFiles) {
    let text = file.text;
    for (const name of Object.keys(LAZY)) {
      const call = `${marker(name)}()`;
      if (!text.includes(call)) continue;
      const parts = text.split(call);
      if (parts.length !== 2) throw new Error(`the lazy part ${name} is referenced ${parts.length - 1} times`);
      text = parts.join(`(()=>{\n${await lazySource(name)}\nreturn __edgeworker_lazy;\n})()`);
    }
    if (text.includes("__edgeworker_lazy_part_")) throw new Error(`a lazy part marker is left in ${file.path}`);
    await mkdir(dirname(file.path), { recursive: true }); // a fresh checkout has no dist/ yet
    await writeFile(file.path, text);
  }
}

await writeBundle({
  ...common,
  stdin: {
    contents: entry,
    resolveDir: here,
    sourcefile: "runtime-entry.js",
  },
  outfile: join(here, "dist", "runtime.js"),
});

await writeBundle({ ...common, entryPoints: [join(here, "tools.js")], outfile: join(here, "dist", "tools.js") });

// For tests only (never loaded by engine.py): the runtime plus `globalThis.__edgeworker_test.hostCall`, so tests
// can drive the op mechanism before any real op exists.
await writeBundle({
  ...common,
  stdin: {
    contents: `${entry}\nimport { hostCall } from "./00_infra.js";\n` +
      `Object.defineProperty(globalThis, "__edgeworker_test", { value: { hostCall } });`,
    resolveDir: here,
    sourcefile: "runtime-test-entry.js",
  },
  outfile: join(here, "dist", "runtime-test.js"),
});
