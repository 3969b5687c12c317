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
  eq(parsed.get("name"), "va\"lue\n2", "a newline in a value is kept as it is (workerd; HTML would make it CRLF)");
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

export async function entriesAsWorkerdMakesThem() {
  const fd = new FormData({ ignored: true }); // workerd ignores the argument (a worker has no HTMLFormElement)
  eq([...new FormData(fd)], [], "not even a FormData is copied");
  fd.append("b", new Blob(["x"], { type: "text/x" }));
  fd.set("c", new Blob(["y"]), undefined);
  fd.append("d", new File(["z"], "kept.txt"));
  fd.append("s", "text", "ignored.txt"); // a value that is not a Blob: the filename is ignored
  fd.append("n", 5, "ignored.txt");
  eq([...fd].map(([k, v]) => [k, typeof v === "string" ? v : [v.name, v.type]]),
    [["b", ["b", "text/x"]], ["c", ["c", ""]], ["d", ["kept.txt", ""]], ["s", "text"], ["n", "5"]],
    "a Blob without a filename is named after its entry");
}

export async function multipartAsWorkerdWritesIt() {
  const fd = new FormData();
  fd.append("a\nb", "1\n2\r3");
  fd.append("f", new Blob(["x"]), 'q"\r.txt');
  const r = new Response(fd);
  const boundary = r.headers.get("content-type").split("boundary=")[1];
  const text = (await r.text()).split(boundary).join("B");
  eq(text, '--B\r\nContent-Disposition: form-data; name="a%0Ab"\r\n\r\n1\n2\r3\r\n' +
    '--B\r\nContent-Disposition: form-data; name="f"; filename="q%22%0D.txt"\r\nContent-Type: application/octet-stream\r\n\r\nx\r\n--B--',
    "values as they are, names escaped without newline normalisation, nothing after the closing delimiter");
  eq(await new Response(new FormData()).text().then((t) => t.endsWith("--")), true, "an empty form too");
}
