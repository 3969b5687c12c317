// RSASSA-PKCS1-v1_5 with a fixed PKCS #8 key: a deterministic signature, the key's algorithm, SPKI export.
const pkcs8 = "MIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBALx5+6r0tqChraVcuKP5V5JaD0bE24j0aHWTpOKicCujwIg7duVCld/RGksZ+OD3WAY4/5drs5khqhypCNErTnFdjkmWlc8V418lISC2ivF+shaNfaO7YGE9YD/+ReAZjfqnI1OeKVCpMkEQ+/vW5kKLDvfqCWJz4Amhe8cl3uPxAgMBAAECgYBoTKzLly51R+NbLitzemlOsQ3hINFIQdCIuFK3pCKk07KY8SdDiYx81i9Rviau/9GzZ9lxRwWVST7lK1mYvvlh55MazC2OaRUo6jhfJQRxb1RrToGEEzglMp3repU8S+JcMKSwJM8j6eNRWC4atjIX9NKzYOQHdsni6d62+N7ufQJBAPsge4GustFsnxJKIdjG24TKgFf5TeDNeE/crQELa0G8+lAJ+JmN9JTX0ojLRw/DOS7NFJNGoQ8DGRofV/6eSRMCQQDAIkYOsEYZpgI5wLORV/wdT/loBDxoqkV74ZieVudw7iy2KQNsHx7UmM7xriQdElICfIt+29Nd6/vft9pxPGNrAkEAqticbcuWaBfH2L+Ka1pOefbyfedj7i6bTWnKYU2NeLnCabV+5ajH3oM9/kadX8HnI0nuV4vTgs0OxNDSIq049QJACIr9lnWcCFPrUWoSEepZmWwO6OMXVIgNot57DL9Mdyb/8fGM52fS1R0eRny5ulkwMFAdW7ymf0yY3G+uVM6clQJBAK0tGPqgGcxMvBH/ZaQxRDgebiMnhiBaDMsppOko8RNK5P10MItg+PKzAcVBDOLGdsAncgO2Uh1mRDkm764sYME=";
const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
export default {
  async fetch() {
    const alg = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
    const key = await crypto.subtle.importKey("pkcs8", b64(pkcs8), alg, true, ["sign"]);
    const data = new TextEncoder().encode("message");
    const sig = await crypto.subtle.sign(alg, key, data);
    const jwk = await crypto.subtle.exportKey("jwk", key);
    const pub = await crypto.subtle.importKey("jwk", { kty: "RSA", n: jwk.n, e: jwk.e, alg: "RS256" }, alg, true, ["verify"]);
    return respond({
      sig: hex(sig),
      verify: await crypto.subtle.verify(alg, pub, sig, data),
      algorithm: { name: key.algorithm.name, modulusLength: key.algorithm.modulusLength, publicExponent: hex(key.algorithm.publicExponent), hash: key.algorithm.hash },
      jwk: [jwk.kty, jwk.alg, jwk.e, jwk.key_ops],
      pubSpkiLength: (await crypto.subtle.exportKey("spki", pub)).byteLength,
    });
  },
};
