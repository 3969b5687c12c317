// The type is lower-cased; a type with a character outside U+0020-U+007E becomes "".
export default {
  async fetch() {
    return respond({
      upper: new Blob([], { type: "Text/Plain;Charset=UTF-8" }).type,
      nonAscii: new Blob([], { type: "text/\u00e9" }).type,
      control: new Blob([], { type: "text/\u0001" }).type,
      spaces: new Blob([], { type: " a/b " }).type,
    });
  },
};
