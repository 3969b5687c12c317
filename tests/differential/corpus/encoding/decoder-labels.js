// Encoding labels are matched case-insensitively after trimming ASCII whitespace.
export default {
  async fetch() {
    const labels = ["utf8", "UTF-8", " unicode-1-1-utf-8 ", "unicode11utf8", "utf-16", "utf-16le", "utf-16be",
      "latin1", "ascii", "iso-8859-1", "windows-1252", "us-ascii", "iso-8859-2", "koi8-r", "x-user-defined"];
    const out = {};
    for (const label of labels) out[label] = ts(() => new TextDecoder(label).encoding);
    out.unknown = ts(() => new TextDecoder("no-such-encoding"));
    out.replacement = ts(() => new TextDecoder("iso-2022-kr"));
    out.defaultLabel = new TextDecoder().encoding;
    out.undefinedLabel = new TextDecoder(undefined).encoding;
    return respond(out);
  },
};
