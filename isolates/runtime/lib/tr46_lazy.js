// Stands in for the `tr46` package (UTS #46 IDNA) inside whatwg-url (aliased in build.mjs).
// tr46's mapping tables are two thirds of the runtime bundle. Almost every hostname is plain ASCII
// without punycode labels, and for those, with the non-strict options the URL Standard uses, UTS #46
// processing is exactly ASCII lower-casing (every other ASCII code point is valid and maps to itself;
// the bidi and joiner rules cannot apply). Such hosts take that path. For any other host the real tr46,
// which build.mjs bundles separately and embeds here as a string (a string literal costs V8 almost
// nothing to load, unlike 235 KB of code), is evaluated on first use.
import TR46_SOURCE from "edgeworker:tr46-source";

const FunctionConstructor = Function;
let real = null;
function load() {
  if (real === null) real = new FunctionConstructor(`${TR46_SOURCE}\nreturn __edgeworker_tr46;`)();
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
