// Set-Cookie values are not combined in iteration; getSetCookie() returns them as a list.
export default {
  async fetch() {
    const h = new Headers();
    h.append("Set-Cookie", "a=1; Path=/");
    h.append("set-cookie", "b=2, c=3");
    h.append("x-other", "o");
    return respond({
      get: h.get("set-cookie"),
      list: h.getSetCookie(),
      entries: [...h],
      emptyList: new Headers().getSetCookie(),
    });
  },
};
