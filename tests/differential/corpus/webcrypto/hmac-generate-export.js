// A generated HMAC key: its algorithm (default length = block size) and a JWK export's fields.
export default {
  async fetch() {
    const key = await crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-512" }, true, ["sign"]);
    const jwk = await crypto.subtle.exportKey("jwk", key);
    const raw = await crypto.subtle.exportKey("raw", key);
    return respond({
      algorithm: key.algorithm, usages: key.usages,
      jwk: { kty: jwk.kty, alg: jwk.alg, ext: jwk.ext, key_ops: jwk.key_ops, kLength: jwk.k.length },
      rawLength: raw.byteLength,
    });
  },
};
