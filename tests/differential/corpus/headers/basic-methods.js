// get/set/append/has/delete are case-insensitive on names; get() of a missing name is null.
export default {
  async fetch() {
    const h = new Headers();
    h.set("X-One", "1");
    h.append("x-two", "a");
    h.append("X-TWO", "b");
    const before = { one: h.get("x-one"), two: h.get("X-Two"), has: h.has("X-ONE"), missing: h.get("nope") };
    h.delete("X-one");
    h.set("x-two", "c");
    return respond({ before, afterHas: h.has("x-one"), afterTwo: h.get("x-two"), entries: [...h] });
  },
};
