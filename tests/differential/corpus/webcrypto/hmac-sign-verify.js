// HMAC-SHA-256 with a raw key: a known signature, verify true and false.
export default {
  async fetch() {
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode("key"), { name: "HMAC", hash: "SHA-256" }, true, ["sign", "verify"]);
    const data = new TextEncoder().encode("The quick brown fox jumps over the lazy dog");
    const sig = await crypto.subtle.sign("HMAC", key, data);
    return respond({
      sig: hex(sig),
      ok: await crypto.subtle.verify("HMAC", key, sig, data),
      bad: await crypto.subtle.verify("HMAC", key, new Uint8Array(32), data),
      key: { type: key.type, extractable: key.extractable, algorithm: key.algorithm, usages: key.usages },
    });
  },
};
