// atob/btoa: round trip, forgiving whitespace and padding, errors are InvalidCharacterError.
export default {
  async fetch() {
    return respond({
      btoa: btoa("hello\u00ff"), atob: atob("aGVsbG8="),
      noPad: atob("aGVsbG8"), spaces: atob(" aGVs\nbG8= "),
      badChar: ts(() => atob("a*b")), badLength: ts(() => atob("a")),
      wide: ts(() => btoa("\u20ac")),
      nullArg: btoa(null), undefinedArg: ts(() => atob(undefined)),
      noArg: ts(() => btoa()),
    });
  },
};
