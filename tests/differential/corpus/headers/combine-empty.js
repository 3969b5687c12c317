// Empty values are kept and combined; get() joins with ", ".
export default {
  async fetch() {
    const h = new Headers();
    h.append("x-e", "");
    h.append("x-e", "");
    h.append("x-f", "a");
    h.append("x-f", "");
    return respond({ e: h.get("x-e"), f: h.get("x-f"), hasE: h.has("x-e"), entries: [...h] });
  },
};
