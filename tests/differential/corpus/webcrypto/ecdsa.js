// ECDSA P-256: generate, sign (random k, so only the length is compared), verify; the key's algorithm.
export default {
  async fetch() {
    const { privateKey, publicKey } = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
    const data = new TextEncoder().encode("message");
    const sig = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, privateKey, data);
    const jwk = await crypto.subtle.exportKey("jwk", publicKey);
    return respond({
      sigLength: sig.byteLength,
      ok: await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, publicKey, sig, data),
      bad: await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, publicKey, sig, new Uint8Array(3)),
      privateAlg: privateKey.algorithm, publicUsages: publicKey.usages, privateUsages: privateKey.usages,
      jwk: [jwk.kty, jwk.crv, jwk.x.length, jwk.d === undefined],
      spkiLength: (await crypto.subtle.exportKey("spki", publicKey)).byteLength,
      rawLength: (await crypto.subtle.exportKey("raw", publicKey)).byteLength,
    });
  },
};
