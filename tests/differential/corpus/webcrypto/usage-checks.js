// Using a key for an operation it was not made for rejects with InvalidAccessError; a non-extractable key cannot be exported.
export default {
  async fetch() {
    const key = await crypto.subtle.importKey("raw", new Uint8Array(16), { name: "HMAC", hash: "SHA-1" }, false, ["verify"]);
    const aes = await crypto.subtle.importKey("raw", new Uint8Array(16), "AES-GCM", false, ["encrypt"]);
    return respond({
      sign: await t(() => crypto.subtle.sign("HMAC", key, new Uint8Array(1))),
      wrongAlg: await t(() => crypto.subtle.encrypt({ name: "AES-CBC", iv: new Uint8Array(16) }, aes, new Uint8Array(1))),
      decrypt: await t(() => crypto.subtle.decrypt({ name: "AES-GCM", iv: new Uint8Array(12) }, aes, new Uint8Array(32))),
      exportKey: await t(() => crypto.subtle.exportKey("raw", key)),
      keyTag: Object.prototype.toString.call(key),
      isCryptoKey: key instanceof CryptoKey,
      newCryptoKey: ts(() => new CryptoKey()),
    });
  },
};
