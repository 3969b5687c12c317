// URLPattern (WHATWG URL Pattern Standard) from `urlpattern-polyfill`, evaluated on first use of the
// global (see defineLazyGlobals in 00_infra.js and the `edgeworker:lazy/` parts in build.mjs).
//
// One conformance fix on top of the package: the standard canonicalises a `port` given in a
// URLPatternInit *input* (test()/exec()) with the URL parser's port state and a state override, as
// the `URL#port` setter does (tab and newlines are removed, parsing stops at the first non-digit);
// the package rejects such values. A value without a leading digit stays invalid. Inputs are plain strings, never patterns, so this is exact.
import { defineLazyGlobals, primordials } from "./00_infra.js";
import loadUrlPattern from "edgeworker:lazy/urlpattern";

const { ObjectDefineProperty, ReflectApply, RegExpPrototypeTest, StringPrototypeReplace, ArrayPrototypeSlice,
  ObjectGetOwnPropertyDescriptor } = primordials;
const RegExpExec = primordials.uncurryThis(RegExp.prototype.exec);
const ALL_DIGITS = /^[0-9]*$/;
const TAB_NEWLINE = /[\t\n\r]/g;
const DIGITS = /^[0-9]*/;

function canonicalInput(input) {
  if (input === null || typeof input !== "object" || typeof input.port !== "string" || RegExpPrototypeTest(ALL_DIGITS, input.port)) {
    return input;
  }
  const digits = RegExpExec(DIGITS, StringPrototypeReplace(input.port, TAB_NEWLINE, ""))[0];
  return digits === "" ? input : { ...input, port: digits }; // no leading digit: left for the package to reject
}

function load() {
  const { URLPattern } = loadUrlPattern();
  const proto = URLPattern.prototype;
  const test = proto.test;
  const exec = proto.exec;
  const methods = {
    test(input, baseURL) {
      const args = ArrayPrototypeSlice(arguments);
      if (args.length > 0) args[0] = canonicalInput(input);
      void baseURL;
      return ReflectApply(test, this, args);
    },
    exec(input, baseURL) {
      const args = ArrayPrototypeSlice(arguments);
      if (args.length > 0) args[0] = canonicalInput(input);
      void baseURL;
      const result = ReflectApply(exec, this, args);
      if (result !== null && result !== undefined && args[0] !== input) result.inputs[0] = input;
      return result;
    },
  };
  for (const name of ["test", "exec"]) {
    const d = ObjectGetOwnPropertyDescriptor(proto, name);
    ObjectDefineProperty(proto, name, { value: methods[name], writable: d.writable, enumerable: d.enumerable, configurable: true });
  }
  return { URLPattern };
}

defineLazyGlobals(["URLPattern"], load);
