// structuredClone(value, {transfer}) detaches the transferred ArrayBuffer.
export default {
  async fetch() {
    const buf = new Uint8Array([1, 2, 3]).buffer;
    const copy = structuredClone(buf, { transfer: [buf] });
    return respond({ original: buf.byteLength, copy: copy.byteLength, copyHex: hex(copy) });
  },
};
