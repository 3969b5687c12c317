// DOMException: name, message, legacy code, constants, instanceof Error.
export default {
  async fetch() {
    const d = new DOMException("msg", "NotFoundError");
    const plain = new DOMException();
    const custom = new DOMException("m", "MadeUpError");
    return respond({
      d: [d.name, d.message, d.code, d instanceof Error],
      plain: [plain.name, plain.message, plain.code],
      custom: [custom.name, custom.code],
      constants: [DOMException.INDEX_SIZE_ERR, DOMException.NOT_FOUND_ERR, DOMException.DATA_CLONE_ERR, DOMException.prototype.ABORT_ERR],
      tag: Object.prototype.toString.call(d),
      stackType: typeof d.stack,
    });
  },
};
