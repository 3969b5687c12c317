// slice() with positive, negative and out-of-range bounds, and a content type.
export default {
  async fetch() {
    const b = new Blob(["0123456789"], { type: "a/b" });
    const s = async (...args) => {
      const part = b.slice(...args);
      return [part.size, part.type, await part.text()];
    };
    return respond({
      all: await s(), from: await s(3), range: await s(2, 5), neg: await s(-3), negRange: await s(-5, -2),
      reversed: await s(5, 2), beyond: await s(8, 100), type: await s(0, 1, "X/Y"),
      nested: await b.slice(2, 8).slice(1, 3).text(),
    });
  },
};
