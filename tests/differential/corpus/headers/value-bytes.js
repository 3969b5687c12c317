// Header values keep latin-1 characters (and numbers and null become strings).
export default {
  async fetch() {
    const h = new Headers();
    h.set("x-latin", "caf\u00e9");
    return respond({
      latin: h.get("x-latin"),
      latinCode: h.get("x-latin").charCodeAt(3),
      number: (h.set("x-num", 42), h.get("x-num")),
      nullValue: (h.set("x-null", null), h.get("x-null")),
    });
  },
};
