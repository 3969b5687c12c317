// windows-1252 (also what "latin1" and "ascii" mean) maps 0x80-0x9F to its own code points.
export default {
  async fetch() {
    const cps = (s) => Array.from(s, (c) => c.codePointAt(0).toString(16));
    const bytes = bytesOf(0x41, 0x80, 0x81, 0x8d, 0x9f, 0xa0, 0xe9, 0xff);
    return respond({
      w1252: cps(new TextDecoder("windows-1252").decode(bytes)),
      latin1: cps(new TextDecoder("latin1").decode(bytes)),
      ascii: cps(new TextDecoder("ascii").decode(bytes)),
    });
  },
};
