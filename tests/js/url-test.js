function eq(actual, expected, what = "") {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what} expected ${e}, got ${a}`);
}

export function parsesAndSerializes() {
  const u = new URL("HTTPS://User:Pw@Example.COM:443/a/../b/%7Ex?q=1&r=a+b#frag");
  eq([u.protocol, u.username, u.hostname, u.port, u.pathname, u.search, u.hash],
    ["https:", "User", "example.com", "", "/b/%7Ex", "?q=1&r=a+b", "#frag"]);
  eq(new URL("../c?d", "https://e.example/a/b").href, "https://e.example/c?d");
  eq(new URL("https://xn--nxasmq6b.example/").hostname, "xn--nxasmq6b.example");
  eq(new URL("https://βόλος.example/").hostname, "xn--nxasmm1c.example");
  eq(URL.canParse ? URL.canParse("nope") : false, false);
}

export function invalidThrowsTypeError() {
  let threw = false;
  try { new URL("not a url"); } catch (e) { threw = e instanceof TypeError; }
  eq(threw, true);
}

export function searchParams() {
  const p = new URLSearchParams("a=1&b=2&a=3");
  eq(p.getAll("a"), ["1", "3"]);
  p.append("c", "x y&z");
  p.sort();
  eq(p.toString(), "a=1&a=3&b=2&c=x+y%26z");
  const u = new URL("https://e.example/?x=1");
  u.searchParams.set("y", "2");
  eq(u.href, "https://e.example/?x=1&y=2");
  eq([...new URLSearchParams({ k: "v" })], [["k", "v"]]);
}
