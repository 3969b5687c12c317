// AbortSignal.any(): follows the first of its signals to abort, with that signal's reason.
export default {
  async fetch() {
    if (typeof AbortSignal.any !== "function") return respond({ any: "missing" });
    const a = new AbortController();
    const b = new AbortController();
    const any = AbortSignal.any([a.signal, b.signal]);
    const before = any.aborted;
    b.abort("b first");
    a.abort("a second");
    const already = AbortSignal.any([new AbortController().signal, AbortSignal.abort("pre")]);
    return respond({ before, after: any.aborted, reason: any.reason, already: [already.aborted, already.reason], empty: AbortSignal.any([]).aborted });
  },
};
