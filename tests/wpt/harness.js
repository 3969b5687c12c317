// Runs batches of web-platform-tests cases inside an isolate. The fetch handler reads
// {"suite", "cases": [...]} from the request body and answers a JSON array with, for each case,
// null (pass) or a string saying what differed. Each runner follows the WPT test file that owns
// the data (url-constructor.any.js, url-origin.any.js, url-statics-canparse.any.js,
// url-setters.any.js, toascii.window.js, IdnaTestV2.window.js, urlpattern/resources/urlpatterntests.js).

class Mismatch extends Error {}
function show(v) { return typeof v === "string" ? JSON.stringify(v) : String(v); }
function eq(actual, expected, what) {
  if (!Object.is(actual, expected)) throw new Mismatch(`${what}: expected ${show(expected)}, got ${show(actual)}`);
}
function throwsType(fn, what) {
  let result;
  try { result = fn(); } catch (e) {
    if (e instanceof TypeError) return;
    throw new Mismatch(`${what}: expected a TypeError, got ${e && e.name}: ${e && e.message}`);
  }
  throw new Mismatch(`${what}: expected a TypeError, got ${show(result && result.href !== undefined ? result.href : result)}`);
}

const COMPONENTS = ["href", "protocol", "username", "password", "host", "hostname", "port", "pathname", "search", "hash"];

const suites = {
  "url-constructor"(c) {
    const base = c.base !== null ? c.base : undefined;
    if (c.failure) {
      throwsType(() => new URL(c.input, base), "new URL()");
      eq(URL.canParse(c.input, base), false, "URL.canParse()");
      eq(URL.parse(c.input, base), null, "URL.parse()");
      return;
    }
    const url = new URL(c.input, base);
    for (const k of COMPONENTS) eq(url[k], c[k], k);
    if ("searchParams" in c) eq(url.searchParams.toString(), c.searchParams, "searchParams");
    if ("origin" in c) eq(url.origin, c.origin, "origin");
    eq(URL.canParse(c.input, base), true, "URL.canParse()");
    eq(URL.parse(c.input, base).href, c.href, "URL.parse().href");
  },
  "url-setters"(c) {
    const url = new URL(c.href);
    url[c.attribute] = c.new_value;
    for (const k in c.expected) eq(url[k], c.expected[k], k);
  },
  toascii(c) {
    if (c.via === "url") {
      if (c.output === null) { throwsType(() => new URL(`https://${c.input}/x`), "new URL()"); return; }
      const url = new URL(`https://${c.input}/x`);
      eq(url.host, c.output, "host");
      eq(url.hostname, c.output, "hostname");
      eq(url.pathname, "/x", "pathname");
      eq(url.href, `https://${c.output}/x`, "href");
      return;
    }
    const url = new URL("https://x/x");
    url[c.via] = c.input;
    eq(url[c.via], c.output ?? "x", c.via);
  },
  idna(c) {
    if (c.output === null) { throwsType(() => new URL(`https://${c.input}/x`), "new URL()"); return; }
    const url = new URL(`https://${c.input}/x`);
    eq(url.host, c.output, "host");
    eq(url.hostname, c.output, "hostname");
    eq(url.pathname, "/x", "pathname");
    eq(url.href, `https://${c.output}/x`, "href");
  },
  "percent-encoding"(c) {
    // The utf-8 column only: a worker has no document whose encoding could select another one.
    eq(new URL(`https://doesnotmatter.invalid/?${c.input}#${c.input}`).search.slice(1), c.output, "query");
  },
  urlpattern: urlPatternCase,
};

// ---- urlpattern (after urlpattern/resources/urlpatterntests.js) ----------------------------

const PATTERN_COMPONENTS = ["protocol", "username", "password", "hostname", "port", "password", "pathname", "search", "hash"];
const EARLIER = {
  protocol: [], hostname: ["protocol"], port: ["protocol", "hostname"], username: [], password: [],
  pathname: ["protocol", "hostname", "port"], search: ["protocol", "hostname", "port", "pathname"],
  hash: ["protocol", "hostname", "port", "pathname", "search"],
};


function urlPatternCase(entry) {
  if (entry.expected_obj === "error") {
    throwsType(() => new URLPattern(...entry.pattern), "URLPattern() constructor");
    return;
  }
  const pattern = new URLPattern(...entry.pattern);
  const expectedObj = entry.expected_obj || {};
  for (const component of PATTERN_COMPONENTS) {
    let expected = expectedObj[component];
    if (expected === undefined) {
      let baseURL = null;
      if (entry.pattern.length > 0 && entry.pattern[0].baseURL) baseURL = new URL(entry.pattern[0].baseURL);
      else if (entry.pattern.length > 1 && typeof entry.pattern[1] === "string") baseURL = new URL(entry.pattern[1]);
      if (entry.exactly_empty_components && entry.exactly_empty_components.includes(component)) expected = "";
      else if (typeof entry.pattern[0] === "object" && entry.pattern[0][component]) expected = entry.pattern[0][component];
      else if (typeof entry.pattern[0] === "object" && EARLIER[component].some((c) => entry.pattern[0][c] !== undefined)) expected = "*";
      else if (baseURL && component !== "username" && component !== "password") {
        let value = baseURL[component];
        if (component === "protocol") value = value.substring(0, value.length - 1);
        else if (component === "search" || component === "hash") value = value.substring(1);
        expected = value;
      } else expected = "*";
    }
    eq(pattern[component], expected, `compiled pattern property '${component}'`);
  }
  if (entry.expected_match === "error") {
    throwsType(() => pattern.test(...entry.inputs), "test()");
    throwsType(() => pattern.exec(...entry.inputs), "exec()");
    return;
  }
  eq(pattern.test(...entry.inputs), !!entry.expected_match, "test() result");
  const result = pattern.exec(...entry.inputs);
  if (!entry.expected_match || typeof entry.expected_match !== "object") {
    eq(result, entry.expected_match, "exec() failed match result");
    return;
  }
  const expectedMatch = entry.expected_match;
  const expectedInputs = expectedMatch.inputs || entry.inputs;
  eq(result.inputs.length, expectedInputs.length, "exec() result.inputs.length");
  for (let i = 0; i < result.inputs.length; i++) {
    const input = result.inputs[i], want = expectedInputs[i];
    if (typeof input === "string") { eq(input, want, `exec() result.inputs[${i}]`); continue; }
    for (const component of PATTERN_COMPONENTS) eq(input[component], want[component], `exec() result.inputs[${i}][${component}]`);
  }
  for (const component of PATTERN_COMPONENTS) {
    let want = expectedMatch[component];
    if (!want) {
      want = { input: "", groups: {} };
      if (!entry.exactly_empty_components || !entry.exactly_empty_components.includes(component)) want.groups["0"] = "";
    }
    const groups = {};
    for (const key in want.groups) groups[key] = want.groups[key] === null ? undefined : want.groups[key];
    const got = result[component];
    eq(got.input, want.input, `exec() result for ${component}: input`);
    const gk = Object.keys(got.groups).sort(), wk = Object.keys(groups).sort();
    eq(JSON.stringify(gk), JSON.stringify(wk), `exec() result for ${component}: group names`);
    for (const k of wk) eq(got.groups[k], groups[k], `exec() result for ${component}: groups.${k}`);
  }
}

export default {
  async fetch(request) {
    const { suite, cases } = await request.json();
    const run = suites[suite];
    const results = cases.map((c) => {
      try {
        run(c);
        return null;
      } catch (e) {
        return e instanceof Mismatch ? e.message : `${e && e.name}: ${e && e.message}`;
      }
    });
    return new Response(JSON.stringify(results));
  },
};
