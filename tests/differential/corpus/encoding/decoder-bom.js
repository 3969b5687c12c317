// The UTF-8 BOM is stripped unless ignoreBOM; only one BOM is stripped.
export default {
  async fetch() {
    const withBom = bytesOf(0xef, 0xbb, 0xbf, 0x61, 0x62);
    const twoBoms = bytesOf(0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf, 0x61);
    const keep = new TextDecoder("utf-8", { ignoreBOM: true });
    return respond({
      stripped: new TextDecoder().decode(withBom).length,
      kept: keep.decode(withBom).length,
      ignoreBOMFlag: keep.ignoreBOM,
      twoBoms: new TextDecoder().decode(twoBoms).length,
      utf16leBom: new TextDecoder("utf-16le").decode(bytesOf(0xff, 0xfe, 0x61, 0x00)),
    });
  },
};
