// Relative references resolved against a base.
export default {
  async fetch() {
    const base = "https://example.com/dir/file?x#y";
    const refs = ["other", "../up", "/abs", "?q", "#h", "//host.example/p", "", ".", "https:rel"];
    return respond(Object.fromEntries(refs.map((r) => [r, new URL(r, base).href])));
  },
};
