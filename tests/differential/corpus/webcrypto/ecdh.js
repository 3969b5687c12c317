// ECDH P-256: two generated key pairs derive the same shared secret.
export default {
  async fetch() {
    const alg = { name: "ECDH", namedCurve: "P-256" };
    const a = await crypto.subtle.generateKey(alg, false, ["deriveBits"]);
    const b = await crypto.subtle.generateKey(alg, false, ["deriveBits"]);
    const ab = await crypto.subtle.deriveBits({ name: "ECDH", public: b.publicKey }, a.privateKey, 256);
    const ba = await crypto.subtle.deriveBits({ name: "ECDH", public: a.publicKey }, b.privateKey, 256);
    return respond({ same: hex(ab) === hex(ba), length: ab.byteLength, publicUsages: a.publicKey.usages, publicExtractable: a.publicKey.extractable });
  },
};
