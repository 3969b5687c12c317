// importKey() errors: bad usages (SyntaxError), bad key length (DataError), unknown algorithm and unknown format (NotSupportedError).
export default {
  async fetch() {
    const s = crypto.subtle;
    return respond({
      emptyUsages: await t(() => s.importKey("raw", new Uint8Array(16), "AES-GCM", false, [])),
      wrongUsage: await t(() => s.importKey("raw", new Uint8Array(16), "AES-GCM", false, ["sign"])),
      badLength: await t(() => s.importKey("raw", new Uint8Array(15), "AES-GCM", false, ["encrypt"])),
      unknownAlg: await t(() => s.importKey("raw", new Uint8Array(16), "AES-XYZ", false, ["encrypt"])),
      badFormat: await t(() => s.importKey("pem", new Uint8Array(16), "AES-GCM", false, ["encrypt"])),
      hmacNoHash: await t(() => s.importKey("raw", new Uint8Array(16), "HMAC", false, ["sign"])),
      badJwk: await t(() => s.importKey("jwk", { kty: "oct" }, "AES-GCM", false, ["encrypt"])),
    });
  },
};
