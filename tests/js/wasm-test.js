// WebAssembly as on Workers: modules come with the worker; bytes made at run time are not compiled.
// The smallest valid module: magic + version.
const EMPTY = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

async function rejectsWith(promise, name) {
  try {
    await promise;
  } catch (e) {
    assert(e.name === name, `expected ${name}, got ${e.name}: ${e.message}`);
    assert(/disallowed by embedder|Argument 0/.test(e.message), e.message);
    return;
  }
  throw new Error(`expected a ${name}`);
}

export async function compilingBytesIsRefused() {
  await rejectsWith(WebAssembly.compile(EMPTY), "CompileError");
  await rejectsWith(WebAssembly.instantiate(EMPTY), "CompileError");
  let threw = null;
  try {
    new WebAssembly.Module(EMPTY);
  } catch (e) {
    threw = e;
  }
  assert(threw instanceof WebAssembly.CompileError, "new WebAssembly.Module(bytes) must throw a CompileError");
}

export function validateStillWorks() {
  assert(WebAssembly.validate(EMPTY) === true, "validate() compiles nothing and stays available");
  assert(typeof WebAssembly.Instance === "function" && typeof WebAssembly.Memory === "function", "globals kept");
}

export function theLoaderHookIsClosedAfterLoading() {
  let threw = null;
  try {
    globalThis.__edgeworker.wasmModule(EMPTY);
  } catch (e) {
    threw = e;
  }
  assert(threw instanceof WebAssembly.CompileError, "a worker cannot use the loader's hook at run time");
}
