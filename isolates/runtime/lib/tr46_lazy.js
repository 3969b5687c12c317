// Stands in for the `tr46` package (UTS #46 IDNA) inside whatwg-url (aliased in build.mjs).
// tr46's mapping tables are two thirds of its size and almost every hostname is plain ASCII without
// punycode labels. For those, with the non-strict options the URL Standard uses, UTS #46 processing is
// exactly ASCII lower-casing (every other ASCII code point is valid and maps to itself; the bidi and
// joiner rules cannot apply), so such hosts take that path. For any other host the real tr46 runs: it is
// bundled inside a function (`edgeworker:lazy/tr46`, see build.mjs) that V8 compiles and runs only on
// first use. No code is generated from strings.
import loadTr46 from "edgeworker:lazy/tr46";

let real = null;
function load() {
  if (real === null) real = loadTr46();
  return real;
}

const ASCII_NO_PUNYCODE = /^(?![\s\S]*(?:^|\.)xn--)[\x00-\x7f]*$/i;
const toLowerCase = Function.prototype.call.bind(String.prototype.toLowerCase);
const test = Function.prototype.call.bind(RegExp.prototype.test);

export function toASCII(domainName, options) {
  if (options && !options.useSTD3ASCIIRules && !options.checkHyphens && !options.verifyDNSLength &&
      !options.transitionalProcessing && test(ASCII_NO_PUNYCODE, domainName)) {
    return toLowerCase(domainName);
  }
  return load().toASCII(domainName, options);
}

export function toUnicode(domainName, options) {
  return load().toUnicode(domainName, options);
}
