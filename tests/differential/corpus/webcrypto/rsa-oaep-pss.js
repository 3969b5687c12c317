// RSA-OAEP round trip and RSA-PSS sign/verify with a fixed key (both randomised: only results compared).
const pkcs8 = "MIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBALx5+6r0tqChraVcuKP5V5JaD0bE24j0aHWTpOKicCujwIg7duVCld/RGksZ+OD3WAY4/5drs5khqhypCNErTnFdjkmWlc8V418lISC2ivF+shaNfaO7YGE9YD/+ReAZjfqnI1OeKVCpMkEQ+/vW5kKLDvfqCWJz4Amhe8cl3uPxAgMBAAECgYBoTKzLly51R+NbLitzemlOsQ3hINFIQdCIuFK3pCKk07KY8SdDiYx81i9Rviau/9GzZ9lxRwWVST7lK1mYvvlh55MazC2OaRUo6jhfJQRxb1RrToGEEzglMp3repU8S+JcMKSwJM8j6eNRWC4atjIX9NKzYOQHdsni6d62+N7ufQJBAPsge4GustFsnxJKIdjG24TKgFf5TeDNeE/crQELa0G8+lAJ+JmN9JTX0ojLRw/DOS7NFJNGoQ8DGRofV/6eSRMCQQDAIkYOsEYZpgI5wLORV/wdT/loBDxoqkV74ZieVudw7iy2KQNsHx7UmM7xriQdElICfIt+29Nd6/vft9pxPGNrAkEAqticbcuWaBfH2L+Ka1pOefbyfedj7i6bTWnKYU2NeLnCabV+5ajH3oM9/kadX8HnI0nuV4vTgs0OxNDSIq049QJACIr9lnWcCFPrUWoSEepZmWwO6OMXVIgNot57DL9Mdyb/8fGM52fS1R0eRny5ulkwMFAdW7ymf0yY3G+uVM6clQJBAK0tGPqgGcxMvBH/ZaQxRDgebiMnhiBaDMsppOko8RNK5P10MItg+PKzAcVBDOLGdsAncgO2Uh1mRDkm764sYME=";
const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
export default {
  async fetch() {
    const oaep = { name: "RSA-OAEP", hash: "SHA-256" };
    const priv = await crypto.subtle.importKey("pkcs8", b64(pkcs8), oaep, true, ["decrypt"]);
    const jwk = await crypto.subtle.exportKey("jwk", priv);
    const pub = await crypto.subtle.importKey("jwk", { kty: "RSA", n: jwk.n, e: jwk.e }, oaep, false, ["encrypt"]);
    const ct = await crypto.subtle.encrypt({ name: "RSA-OAEP", label: bytesOf(1) }, pub, new TextEncoder().encode("hi"));
    const pt = await crypto.subtle.decrypt({ name: "RSA-OAEP", label: bytesOf(1) }, priv, ct);
    const pss = { name: "RSA-PSS", hash: "SHA-256" };
    const spriv = await crypto.subtle.importKey("pkcs8", b64(pkcs8), pss, false, ["sign"]);
    const spub = await crypto.subtle.importKey("jwk", { kty: "RSA", n: jwk.n, e: jwk.e }, pss, false, ["verify"]);
    const sig = await crypto.subtle.sign({ name: "RSA-PSS", saltLength: 32 }, spriv, bytesOf(1, 2, 3));
    return respond({
      ctLength: ct.byteLength, pt: new TextDecoder().decode(pt), jwkAlg: jwk.alg,
      pss: [sig.byteLength, await crypto.subtle.verify({ name: "RSA-PSS", saltLength: 32 }, spub, sig, bytesOf(1, 2, 3))],
      wrongLabel: await t(() => crypto.subtle.decrypt({ name: "RSA-OAEP" }, priv, ct)),
    });
  },
};
