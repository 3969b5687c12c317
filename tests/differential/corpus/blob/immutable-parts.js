// A Blob copies its parts: changing the source array afterwards does not change the Blob.
export default {
  async fetch() {
    const src = bytesOf(1, 2, 3);
    const b = new Blob([src]);
    src[0] = 9;
    return respond({ hex: hex(await b.arrayBuffer()) });
  },
};
