// Body details: a null body is never used (Fetch "consume body"), and blob().type is the MIME type extracted from
// Content-Type, serialised (Fetch "extract a MIME type", MIME Sniffing "parse"/"serialize a MIME type").
function eq(actual, expected, what = "") {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what} expected ${e}, got ${a}`);
}

export async function nullBodyIsNeverUsed() {
  const r = new Response();
  eq([await r.text(), r.bodyUsed, await r.text(), r.body], ["", false, "", null]);
  eq((await r.arrayBuffer()).byteLength, 0);
  eq((await r.blob()).size, 0);
  const req = new Request("https://example.com/");
  eq([await req.text(), req.bodyUsed, (await req.bytes()).length, req.bodyUsed], ["", false, 0, false]);
  eq(new Request(req).bodyUsed, false);
  eq(req.clone().bodyUsed, false);
  // a non-null body is still used once read
  const s = new Response("x");
  await s.text();
  eq(s.bodyUsed, true);
  let threw = false;
  try { await s.text(); } catch (e) { threw = e instanceof TypeError; }
  eq(threw, true);
}

async function typeOf(contentType) {
  const headers = new Headers();
  for (const v of Array.isArray(contentType) ? contentType : [contentType]) headers.append("content-type", v);
  return (await new Response("x", { headers }).blob()).type;
}

export async function blobTypeIsTheSerialisedMimeType() {
  const cases = [
    ["Text/HTML; charset=utf-8", "text/html;charset=utf-8"],
    ["text/plain;charset=UTF-8", "text/plain;charset=UTF-8"],
    ["TEXT/Plain ; Charset=\"UTF-8\" ; foo=BAR", "text/plain;charset=UTF-8;foo=BAR"],
    [" text/plain ", "text/plain"],
    ["text/plain;a=b;A=c", "text/plain;a=b"],
    ["text/plain;a=\"b c\"", "text/plain;a=\"b c\""],
    ["text/plain;charset=\"a;b\"", "text/plain;charset=\"a;b\""],
    ["text/plain;a=\"x\\\"y\"", "text/plain;a=\"x\\\"y\""],
    ["text/plain;a=", "text/plain"],
    ["text/plain;=x;y;z=1", "text/plain;z=1"],
    ["text/plain;x=\u00e9", "text/plain;x=\"\u00e9\""],
    ["bogus", ""],
    ["text/", ""],
    ["/plain", ""],
    ["*/*", ""],
    ["text/plain, text/html", "text/html"],
    ["text/html;charset=gbk, text/html", "text/html;charset=gbk"],
    ["text/html;charset=gbk, text/plain", "text/plain"],
    ["text/plain, */*", "text/plain"],
    ["text/plain;charset=\"a,b\"", "text/plain;charset=\"a,b\""],
    [["text/html;charset=gbk", "text/html"], "text/html;charset=gbk"],
  ];
  for (const [ct, want] of cases) eq(await typeOf(ct), want, JSON.stringify(ct));
  eq((await new Response("str").blob()).type, "text/plain;charset=UTF-8");
  eq((await new Response(new Uint8Array(1)).blob()).type, "");
  eq((await new Request("https://example.com/", { method: "POST", body: "x", headers: { "content-type": "Application/JSON" } }).blob()).type, "application/json");
}
