// fetch(): argument handling and refusals that never reach the network (the egress policy decides first).
async function rejects(promise, ctor, pattern, what = "") {
  let err = null;
  try { await promise; } catch (e) { err = e; }
  if (err === null) throw new Error(`${what}: expected a rejection`);
  if (!(err instanceof ctor)) throw new Error(`${what}: expected ${ctor.name}, got ${err && err.name}: ${err && err.message}`);
  if (pattern && !pattern.test(err.message)) throw new Error(`${what}: unexpected message ${err.message}`);
}

export async function fetchIsAGlobal() {
  // length 0, as workerd gives every Web API function (WebIDL would count the required argument: 1)
  if (typeof fetch !== "function" || fetch.length !== 0) throw new Error("fetch.length is " + fetch.length);
  const d = Object.getOwnPropertyDescriptor(globalThis, "fetch");
  if (d.enumerable || !d.writable || !d.configurable) throw new Error("WebIDL property attributes");
}

export async function badArguments() {
  await rejects(fetch(), TypeError, /1 argument required/, "no argument");
  await rejects(fetch("not a url"), TypeError, /Invalid URL/, "invalid URL");
  await rejects(fetch("https://example.com/", { method: "GET", body: "x" }), TypeError, /GET or HEAD/, "GET body");
  await rejects(fetch("https://example.com/", { redirect: "sideways" }), TypeError, /redirect/, "redirect mode");
  const p = fetch();
  if (!(p instanceof Promise)) throw new Error("fetch() returns a promise even when its arguments are bad");
  await p.catch(() => {});
}

export async function refusedByThePolicy() {
  await rejects(fetch("ftp://example.com/file"), TypeError, /scheme/, "ftp");
  await rejects(fetch("http://169.254.169.254/latest/meta-data/"), TypeError, /link-local/, "metadata");
  await rejects(fetch("http://0x7f.1/"), TypeError, /loopback/, "hex loopback");
  await rejects(fetch("http://[::ffff:10.0.0.1]/"), TypeError, /RFC 1918/, "mapped private");
  await rejects(fetch("http://100.64.0.1/"), TypeError, /carrier-grade NAT/, "CGNAT");
  await rejects(fetch(new Request("https://[fd00::1]/", { method: "POST", body: "x" })), TypeError, /unique-local/, "ULA");
  await rejects(fetch("http://203.0.113.9:587/"), TypeError, /mail ports/, "submission port");
}
