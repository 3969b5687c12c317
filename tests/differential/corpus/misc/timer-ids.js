// setTimeout returns a value usable with clearTimeout; a non-function callback throws.
export default {
  async fetch() {
    const id = setTimeout(() => {}, 1000);
    clearTimeout(id);
    return respond({
      type: typeof id, positive: Number(id) > 0,
      stringCallback: ts(() => setTimeout("1+1", 0)),
    });
  },
};
