// Ed25519 with a fixed PKCS #8 key: the deterministic signature, verify, raw public key export.
const pkcs8 = "MC4CAQAwBQYDK2VwBCIEIFW2LvhFSRDcLoewFR9iaK/gKGMSxXhYtUhAanDa0j5w";
const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
export default {
  async fetch() {
    const key = await crypto.subtle.importKey("pkcs8", b64(pkcs8), { name: "Ed25519" }, true, ["sign"]);
    const sig = await crypto.subtle.sign("Ed25519", key, new TextEncoder().encode("message"));
    const jwk = await crypto.subtle.exportKey("jwk", key);
    const pub = await crypto.subtle.importKey("jwk", { kty: jwk.kty, crv: jwk.crv, x: jwk.x }, "Ed25519", true, ["verify"]);
    return respond({
      sig: hex(sig), algorithm: key.algorithm, jwk: [jwk.kty, jwk.crv, jwk.x],
      verify: await crypto.subtle.verify("Ed25519", pub, sig, new TextEncoder().encode("message")),
      raw: btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.exportKey("raw", pub)))),
    });
  },
};
