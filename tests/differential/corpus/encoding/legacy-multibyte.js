// Legacy multi-byte encodings of the Encoding Standard (Shift_JIS, GBK, EUC-KR, Big5), which workerd decodes.
export default {
  async fetch() {
    const out = {};
    out.shiftJis = ts(() => new TextDecoder("shift_jis").decode(bytesOf(0x82, 0xa0)));
    out.gbk = ts(() => new TextDecoder("gbk").decode(bytesOf(0xc4, 0xe3)));
    out.eucKr = ts(() => new TextDecoder("euc-kr").decode(bytesOf(0xb0, 0xa1)));
    out.big5 = ts(() => new TextDecoder("big5").decode(bytesOf(0xa4, 0x40)));
    return respond(out);
  },
};
