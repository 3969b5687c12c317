// Bundles the runtime (dist/runtime.js) and the deploy-time tools (dist/tools.js) with esbuild.
// Both are IIFEs: nothing but the globals each file defines on purpose reaches script scope.
import { build } from "esbuild";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const sources = readdirSync(here).filter((f) => /^\d\d_.*\.js$/.test(f)).sort();
const entry = sources.map((f) => `import "./${f}";`).join("\n");

// The real tr46, bundled on its own into a string that lib/tr46_lazy.js evaluates on first use.
const tr46 = await build({
  bundle: true, format: "iife", globalName: "__edgeworker_tr46", platform: "neutral", target: "es2022",
  minify: process.env.EDGEWORKER_MINIFY !== "0", legalComments: "inline", logLevel: "warning", write: false,
  mainFields: ["module", "main"], entryPoints: [join(here, "..", "..", "node_modules", "tr46", "index.js")],
});
const tr46Source = {
  name: "tr46-source",
  setup(b) {
    b.onResolve({ filter: /^edgeworker:tr46-source$/ }, (args) => ({ path: args.path, namespace: "tr46-source" }));
    b.onLoad({ filter: /.*/, namespace: "tr46-source" }, () => ({
      contents: `export default ${JSON.stringify(tr46.outputFiles[0].text)};`, loader: "js",
    }));
  },
};

const common = {
  bundle: true,
  format: "iife",
  platform: "neutral",
  target: "es2022",
  minify: process.env.EDGEWORKER_MINIFY !== "0",
  legalComments: "eof",
  logLevel: "warning",
  mainFields: ["module", "main"],
  plugins: [tr46Source],
  // whatwg-url loads the full @exodus/bytes encoding table set (legacy multi-byte encodings) only to
  // percent-encode form data in non-UTF-8 encodings, which Workers never do: use the lite entry point.
  // tr46's tables load lazily, only for non-ASCII or punycode hostnames (see lib/tr46_lazy.js).
  alias: { "@exodus/bytes/encoding.js": "@exodus/bytes/encoding-lite.js", tr46: "./isolates/runtime/lib/tr46_lazy.js" },
};

await build({
  ...common,
  stdin: {
    contents: entry,
    resolveDir: here,
    sourcefile: "runtime-entry.js",
  },
  outfile: join(here, "dist", "runtime.js"),
});

await build({ ...common, entryPoints: [join(here, "tools.js")], outfile: join(here, "dist", "tools.js") });

// For tests only (never loaded by engine.py): the runtime plus `globalThis.__edgeworker_test.hostCall`, so tests
// can drive the op mechanism before any real op exists.
await build({
  ...common,
  stdin: {
    contents: `${entry}\nimport { hostCall } from "./00_infra.js";\n` +
      `Object.defineProperty(globalThis, "__edgeworker_test", { value: { hostCall } });`,
    resolveDir: here,
    sourcefile: "runtime-test-entry.js",
  },
  outfile: join(here, "dist", "runtime-test.js"),
});
