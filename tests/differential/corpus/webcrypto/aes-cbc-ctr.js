// AES-CBC (PKCS#7 padding) and AES-CTR with fixed keys: known ciphertexts and round trips.
export default {
  async fetch() {
    const raw = new Uint8Array(32).map((_, i) => i);
    const cbc = await crypto.subtle.importKey("raw", raw, "AES-CBC", false, ["encrypt", "decrypt"]);
    const ctr = await crypto.subtle.importKey("raw", raw.slice(0, 16), { name: "AES-CTR" }, false, ["encrypt", "decrypt"]);
    const data = new TextEncoder().encode("sixteen byte msg and more");
    const iv = new Uint8Array(16).fill(9);
    const c1 = await crypto.subtle.encrypt({ name: "AES-CBC", iv }, cbc, data);
    const c2 = await crypto.subtle.encrypt({ name: "AES-CTR", counter: iv, length: 64 }, ctr, data);
    return respond({
      cbc: hex(c1), ctr: hex(c2),
      cbcBack: new TextDecoder().decode(await crypto.subtle.decrypt({ name: "AES-CBC", iv }, cbc, c1)),
      ctrBack: new TextDecoder().decode(await crypto.subtle.decrypt({ name: "AES-CTR", counter: iv, length: 64 }, ctr, c2)),
      badPadding: await t(() => crypto.subtle.decrypt({ name: "AES-CBC", iv }, cbc, new Uint8Array(16))),
      badIv: await t(() => crypto.subtle.encrypt({ name: "AES-CBC", iv: new Uint8Array(8) }, cbc, data)),
    });
  },
};
