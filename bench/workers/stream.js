// A 1 MiB response streamed as 16 chunks of 64 KiB from a ReadableStream.
const CHUNK = 64 * 1024;
const CHUNKS = 16;
const filler = new Uint8Array(CHUNK).fill(120); // "x"

export default {
  fetch() {
    let sent = 0;
    const body = new ReadableStream({
      pull(controller) {
        if (sent === CHUNKS) {
          controller.close();
          return;
        }
        sent += 1;
        controller.enqueue(filler.slice());
      },
    });
    return new Response(body, { headers: { "content-type": "application/octet-stream" } });
  },
};
