// Function lengths (WebIDL: the number of required arguments; workerd: 0).
export default {
  async fetch() {
    return respond({
      ctor: Headers.length,
      append: Headers.prototype.append.length,
      get: Headers.prototype.get.length,
      set: Headers.prototype.set.length,
      responseCtor: Response.length,
      requestCtor: Request.length,
    });
  },
};
