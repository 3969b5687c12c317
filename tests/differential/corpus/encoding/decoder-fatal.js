// A fatal decoder throws TypeError on malformed input; a non-fatal one replaces with U+FFFD.
export default {
  async fetch() {
    const fatal = new TextDecoder("utf-8", { fatal: true });
    const cps = (s) => Array.from(s, (c) => c.codePointAt(0).toString(16));
    return respond({
      fatalFlag: fatal.fatal,
      invalidByte: ts(() => fatal.decode(bytesOf(0xff))),
      truncated: ts(() => fatal.decode(bytesOf(0xe2, 0x82))),
      overlong: ts(() => fatal.decode(bytesOf(0xc0, 0xaf))),
      surrogate: ts(() => fatal.decode(bytesOf(0xed, 0xa0, 0x80))),
      validAfterError: fatal.decode(bytesOf(0x61)),
      replaced: cps(new TextDecoder().decode(bytesOf(0xff, 0xc3, 0x28, 0xe2, 0x82, 0x61, 0xf0, 0x90, 0x80))),
      overlongReplaced: cps(new TextDecoder().decode(bytesOf(0xc0, 0xaf, 0xed, 0xa0, 0x80))),
    });
  },
};
