function eq(actual, expected, what = "") {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what} expected ${e}, got ${a}`);
}
async function rejects(promise, cls, what) {
  try { await promise; } catch (e) { if (e instanceof cls) return; throw new Error(`${what}: wrong error ${e}`); }
  throw new Error(`${what}: did not reject`);
}

export async function blobBasics() {
  const b = new Blob(["ab", new Uint8Array([99]), new Blob(["d"])], { type: "Text/Plain" });
  eq([b.size, b.type, await b.text()], [4, "text/plain", "abcd"]);
  eq(await b.slice(1, 3).text(), "bc");
  eq(await b.slice(-2).text(), "cd");
  eq(b.slice(0, 1, "x/y").type, "x/y");
  eq([...(await b.bytes())], [97, 98, 99, 100]);
  eq(new Uint8Array(await b.arrayBuffer()).length, 4);
  eq(await new Response(b.stream()).text(), "abcd");
  eq(new Blob([], { type: "a\u00ff" }).type, "");
  eq(Object.prototype.toString.call(b), "[object Blob]");
  const f = new File(["x"], "a.txt", { type: "text/plain", lastModified: 42 });
  eq([f.name, f.lastModified, f.size, f instanceof Blob], ["a.txt", 42, 1, true]);
}

export async function blobBodies() {
  const r = new Response(new Blob(["hi"], { type: "text/x" }));
  eq(r.headers.get("content-type"), "text/x");
  const blob = await r.blob();
  eq([blob.type, await blob.text()], ["text/x", "hi"]);
}

