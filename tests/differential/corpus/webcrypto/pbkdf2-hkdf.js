// PBKDF2 and HKDF deriveBits with fixed inputs; deriveKey to an AES key.
export default {
  async fetch() {
    const pw = await crypto.subtle.importKey("raw", new TextEncoder().encode("password"), "PBKDF2", false, ["deriveBits", "deriveKey"]);
    const pb = await crypto.subtle.deriveBits({ name: "PBKDF2", salt: new TextEncoder().encode("salt"), iterations: 2, hash: "SHA-256" }, pw, 256);
    const ikm = await crypto.subtle.importKey("raw", new Uint8Array(22).fill(0x0b), "HKDF", false, ["deriveBits"]);
    const hk = await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: new Uint8Array(13).map((_, i) => i), info: new Uint8Array(10).map((_, i) => 0xf0 + i) }, ikm, 336);
    const aes = await crypto.subtle.deriveKey({ name: "PBKDF2", salt: new Uint8Array(8), iterations: 1, hash: "SHA-1" }, pw, { name: "AES-GCM", length: 128 }, true, ["encrypt"]);
    return respond({
      pbkdf2: hex(pb), hkdf: hex(hk),
      derived: [aes.algorithm, hex(await crypto.subtle.exportKey("raw", aes))],
      extractablePbkdf2: await t(() => crypto.subtle.importKey("raw", new Uint8Array(4), "PBKDF2", true, ["deriveBits"])),
    });
  },
};
