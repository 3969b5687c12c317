// AES-GCM with a fixed key and IV: known ciphertext, round trip, tampering rejected (OperationError).
export default {
  async fetch() {
    const key = await crypto.subtle.importKey("raw", new Uint8Array(16).fill(7), "AES-GCM", false, ["encrypt", "decrypt"]);
    const iv = new Uint8Array(12).fill(1);
    const data = new TextEncoder().encode("secret message");
    const ct = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: bytesOf(1, 2) }, key, data));
    const pt = await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: bytesOf(1, 2) }, key, ct);
    const bad = ct.slice();
    bad[0] ^= 1;
    return respond({
      ct: hex(ct), pt: new TextDecoder().decode(pt),
      tampered: await t(() => crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: bytesOf(1, 2) }, key, bad)),
      tag96: hex(await crypto.subtle.encrypt({ name: "AES-GCM", iv, tagLength: 96 }, key, data)),
      algorithm: key.algorithm,
    });
  },
};
