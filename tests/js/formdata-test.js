function eq(actual, expected, what = "") {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what} expected ${e}, got ${a}`);
}
async function rejects(promise, cls, what) {
  try { await promise; } catch (e) { if (e instanceof cls) return; throw new Error(`${what}: wrong error ${e}`); }
  throw new Error(`${what}: did not reject`);
}

export async function formDataMethods() {
  const fd = new FormData();
  fd.append("a", "1");
  fd.append("a", "2");
  fd.append("f", new Blob(["z"]), "z.bin");
  eq(fd.getAll("a"), ["1", "2"]);
  eq(fd.get("f") instanceof File, true);
  eq(fd.get("f").name, "z.bin");
  fd.set("a", "3");
  eq([...fd.keys()], ["a", "f"]);
  fd.delete("a");
  eq([fd.has("a"), fd.get("missing")], [false, null]);
  eq(new FormData().get("x"), null);
}

export async function multipartRoundTrip() {
  const fd = new FormData();
  fd.append("name", "va\"lue\n2");
  fd.append("file", new File(["bytes\r\n--x"], "n\"a.txt", { type: "text/plain" }));
  const r = new Response(fd);
  const type = r.headers.get("content-type");
  if (!/^multipart\/form-data; boundary=.+/.test(type)) throw new Error("content-type " + type);
  const parsed = await r.formData();
  eq(parsed.get("name"), "va\"lue\r\n2");
  const file = parsed.get("file");
  eq([file.name, file.type, await file.text()], ["n\"a.txt", "text/plain", "bytes\r\n--x"]);
}

export async function parseFromRequest() {
  const body = "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--B\r\n" +
    "Content-Disposition: form-data; name=\"f\"; filename=\"x.txt\"\r\nContent-Type: text/plain\r\n\r\nhey\r\n--B--\r\n";
  const req = new Request("https://x/", { method: "POST", body, headers: { "content-type": "multipart/form-data; boundary=B" } });
  const fd = await req.formData();
  eq([fd.get("a"), fd.get("f").name, await fd.get("f").text()], ["1", "x.txt", "hey"]);
  const url = new Request("https://x/", { method: "POST", body: new URLSearchParams("a=1&b=%20") });
  const ufd = await url.formData();
  eq([...ufd], [["a", "1"], ["b", " "]]);
  await rejects(new Response("x").formData(), TypeError, "text/plain");
  await rejects(new Response("garbage", { headers: { "content-type": "multipart/form-data; boundary=Q" } }).formData(), TypeError, "bad multipart");
}
