// text(), json(), arrayBuffer(), bytes(), blob() of one body.
export default {
  async fetch() {
    const body = '{"a":"\u00e9"}';
    const init = { headers: { "content-type": "application/json" } };
    const blob = await new Response(body, init).blob();
    const bytes = await new Response(body).bytes?.();
    return respond({
      text: await new Response(body).text(),
      json: await new Response(body).json(),
      arrayBuffer: hex(await new Response(body).arrayBuffer()),
      bytes: bytes === undefined ? "no bytes()" : [Object.prototype.toString.call(bytes), hex(bytes)],
      blob: [blob.size, blob.type, await blob.text()],
      badJson: await t(() => new Response("{").json()),
      emptyJson: await t(() => new Response("").json()),
    });
  },
};
