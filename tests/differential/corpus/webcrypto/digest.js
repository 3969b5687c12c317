// digest() with each SHA algorithm, by name string and by object, of "abc".
export default {
  async fetch() {
    const data = new TextEncoder().encode("abc");
    const out = {};
    for (const alg of ["SHA-1", "SHA-256", "SHA-384", "SHA-512"]) out[alg] = hex(await crypto.subtle.digest(alg, data));
    out.object = hex(await crypto.subtle.digest({ name: "sha-256" }, data.buffer));
    out.empty = hex(await crypto.subtle.digest("SHA-1", new Uint8Array(0)));
    return respond(out);
  },
};
