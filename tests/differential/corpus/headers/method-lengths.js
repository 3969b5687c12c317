// Function lengths follow the WebIDL signatures (required arguments).
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
