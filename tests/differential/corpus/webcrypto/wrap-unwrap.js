// AES-KW wrapKey/unwrapKey of an AES key (RFC 3394 test vector 4.1).
export default {
  async fetch() {
    const kek = await crypto.subtle.importKey("raw", new Uint8Array(16).map((_, i) => i), "AES-KW", false, ["wrapKey", "unwrapKey"]);
    const key = await crypto.subtle.importKey("raw", new Uint8Array(16).map((_, i) => i * 0x11), "AES-CBC", true, ["encrypt"]);
    const wrapped = await crypto.subtle.wrapKey("raw", key, kek, "AES-KW");
    const back = await crypto.subtle.unwrapKey("raw", wrapped, kek, "AES-KW", "AES-CBC", true, ["decrypt"]);
    return respond({ wrapped: hex(wrapped), back: [back.algorithm, back.usages, hex(await crypto.subtle.exportKey("raw", back))] });
  },
};
