// WebAssembly as on Workers: modules come with the worker (wasm modules, compiled while the worker loads);
// compiling bytes made at run time is refused ("Wasm code generation disallowed by embedder"). V8's
// --disallow-code-generation-from-strings does not cover wasm in this embedding, so the runtime does it:
// WebAssembly.compile / compileStreaming / instantiateStreaming, instantiate(bytes) and new WebAssembly.Module
// throw a CompileError; instantiate(module) and new WebAssembly.Instance(module) work.
import { bridge, primordials } from "./00_infra.js";

const { ObjectDefineProperty, PromiseReject, TypeError: TypeErr } = primordials;
const ReflectConstruct = Reflect.construct;
const ObjectKeys = Object.keys;
const Wasm = globalThis.WebAssembly;
const RealModule = Wasm.Module;
const RealInstantiate = Wasm.instantiate;
const CompileError = Wasm.CompileError;
const MESSAGE = "Wasm code generation disallowed by embedder";

// The linker (tools.js) compiles a worker's wasm modules through this while the worker loads, and only then.
let loading = true;
bridge.wasmModule = function wasmModule(bytes) {
  if (!loading) throw new CompileError(`WebAssembly.Module(): ${MESSAGE}`);
  return ReflectConstruct(RealModule, [bytes], RealModule);
};
bridge.endWasmLoading = function endWasmLoading() {
  loading = false;
};

function Module() {
  throw new CompileError(`WebAssembly.Module(): ${MESSAGE}`);
}
ObjectDefineProperty(Module, "prototype", { value: RealModule.prototype });
ObjectDefineProperty(RealModule.prototype, "constructor", { value: Module, writable: true, configurable: true });
for (const name of ["exports", "imports", "customSections"]) {
  ObjectDefineProperty(Module, name, { value: RealModule[name], writable: true, configurable: true });
}

function refuse(name) {
  return {
    [name]() {
      return PromiseReject(new CompileError(`WebAssembly.${name}(): ${MESSAGE}`));
    },
  }[name];
}

const replacements = {
  Module,
  compile: refuse("compile"),
  compileStreaming: refuse("compileStreaming"),
  instantiateStreaming: refuse("instantiateStreaming"),
  instantiate: function instantiate(source, imports) {
    if (!(source instanceof RealModule)) {
      if (source === undefined || source === null) {
        return PromiseReject(new TypeErr("WebAssembly.instantiate(): Argument 0 must be a buffer source or a Module"));
      }
      return PromiseReject(new CompileError(`WebAssembly.instantiate(): ${MESSAGE}`));
    }
    return RealInstantiate(source, imports);
  },
};
for (const name of ObjectKeys(replacements)) {
  ObjectDefineProperty(Wasm, name, { value: replacements[name], writable: true, configurable: true, enumerable: false });
}
