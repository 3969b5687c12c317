// url.searchParams is live both ways.
export default {
  async fetch() {
    const u = new URL("https://example.com/?a=1");
    const sp = u.searchParams;
    sp.append("b", "2");
    const afterAppend = u.href;
    u.search = "?c=3";
    return respond({ afterAppend, afterSearch: [...sp], same: u.searchParams === sp, emptied: (() => { sp.delete("c"); return u.href; })() });
  },
};
