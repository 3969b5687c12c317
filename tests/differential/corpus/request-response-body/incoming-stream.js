// request: {"method": "POST", "body": "0123456789abcdefghij"}
// The incoming request body read as a stream of Uint8Array chunks.
export default {
  async fetch(request) {
    const bytes = await readBytes(request.body);
    return respond({ text: new TextDecoder().decode(bytes), used: request.bodyUsed, locked: request.body.locked });
  },
};
