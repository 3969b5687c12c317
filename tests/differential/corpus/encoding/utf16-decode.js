// UTF-16LE and UTF-16BE decoding, including a surrogate pair and an odd trailing byte.
export default {
  async fetch() {
    const cps = (s) => Array.from(s, (c) => c.codePointAt(0).toString(16));
    return respond({
      le: cps(new TextDecoder("utf-16le").decode(bytesOf(0x61, 0x00, 0x3d, 0xd8, 0x00, 0xde))),
      be: cps(new TextDecoder("utf-16be").decode(bytesOf(0x00, 0x61, 0xd8, 0x3d, 0xde, 0x00))),
      odd: cps(new TextDecoder("utf-16le").decode(bytesOf(0x61, 0x00, 0x62))),
      loneSurrogate: cps(new TextDecoder("utf-16le").decode(bytesOf(0x00, 0xd8, 0x61, 0x00))),
    });
  },
};
