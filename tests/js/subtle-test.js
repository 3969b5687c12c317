// crypto.subtle (W3C Web Cryptography API), with known-answer vectors from the RFCs and NIST.
const subtle = crypto.subtle;
const enc = new TextEncoder();

function eq(actual, expected, what = "") {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what} expected ${e}, got ${a}`);
}
function hex(buf) { return [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join(""); }
function unhex(h) { return new Uint8Array(h.match(/../g).map((x) => parseInt(x, 16))); }
function b64u(bytes) { return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""); }
async function rejects(promise, name, what = "") {
  let err = null;
  try { await promise; } catch (e) { err = e; }
  if (err === null) throw new Error(`${what}: expected ${name}, it resolved`);
  if (err.name !== name) throw new Error(`${what}: expected ${name}, got ${err.name}: ${err.message}`);
  if (name !== "TypeError" && !(err instanceof DOMException)) throw new Error(`${what}: ${name} is not a DOMException`);
  if (name === "TypeError" && !(err instanceof TypeError)) throw new Error(`${what}: not a TypeError instance`);
}

export async function shape() {
  eq(typeof SubtleCrypto, "function");
  eq(typeof CryptoKey, "function");
  eq(crypto.subtle instanceof SubtleCrypto, true);
  eq(Object.prototype.toString.call(crypto.subtle), "[object SubtleCrypto]");
  let err = null;
  try { new CryptoKey(); } catch (e) { err = e; }
  eq(err instanceof TypeError, true, "CryptoKey constructor");
  const p = subtle.digest("SHA-256", new Uint8Array(0));
  eq(p instanceof Promise, true);
  await p;
}

export async function digestVectors() {
  const abc = enc.encode("abc");
  eq(hex(await subtle.digest("SHA-1", abc)), "a9993e364706816aba3e25717850c26c9cd0d89d");
  eq(hex(await subtle.digest("sha-256", abc)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  eq(hex(await subtle.digest({ name: "SHA-384" }, abc)),
    "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7");
  eq(hex(await subtle.digest("SHA-512", abc.buffer)),
    "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  eq(hex(await subtle.digest("MD5", abc)), "900150983cd24fb0d6963f7d28e17f72");
  eq(hex(await subtle.digest("SHA-256", new DataView(abc.buffer))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  await rejects(subtle.digest("SHA-3", abc), "NotSupportedError", "unknown hash");
  await rejects(subtle.digest("SHA-256", "abc"), "TypeError", "string data");
  await rejects(subtle.digest({}, abc), "TypeError", "no name");
}

export async function hmacRfc4231() {
  const key = await subtle.importKey("raw", enc.encode("Jefe"), { name: "HMAC", hash: "SHA-256" }, true, ["sign", "verify"]);
  eq([key.type, key.extractable, key.algorithm, key.usages],
    ["secret", true, { name: "HMAC", hash: { name: "SHA-256" }, length: 32 }, ["sign", "verify"]]);
  const data = enc.encode("what do ya want for nothing?");
  const sig = await subtle.sign("HMAC", key, data);
  eq(hex(sig), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  eq(await subtle.verify("HMAC", key, sig, data), true);
  eq(await subtle.verify("HMAC", key, new Uint8Array(32), data), false);
  const jwk = await subtle.exportKey("jwk", key);
  eq(jwk, { kty: "oct", k: "SmVmZQ", alg: "HS256", key_ops: ["sign", "verify"], ext: true });
  const again = await subtle.importKey("jwk", jwk, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  eq(await subtle.verify("HMAC", again, sig, data), true);
  await rejects(subtle.exportKey("raw", again), "InvalidAccessError", "not extractable");
  await rejects(subtle.sign("HMAC", again, data), "InvalidAccessError", "usage");
  await rejects(subtle.importKey("raw", enc.encode("k"), { name: "HMAC", hash: "SHA-256" }, true, ["encrypt"]), "SyntaxError");
  await rejects(subtle.importKey("raw", enc.encode("k"), { name: "HMAC" }, true, ["sign"]), "TypeError", "no hash");
  await rejects(subtle.importKey("raw", enc.encode("k"), { name: "HMAC", hash: "SHA-256" }, true, []), "SyntaxError", "empty");
  await rejects(subtle.importKey("jwk", { kty: "oct", k: "SmVmZQ", alg: "HS512" }, { name: "HMAC", hash: "SHA-256" }, true, ["sign"]),
    "DataError", "jwk alg");
  const gen = await subtle.generateKey({ name: "HMAC", hash: "SHA-512" }, true, ["sign"]);
  eq([gen.algorithm.length, (await subtle.exportKey("raw", gen)).byteLength], [1024, 128]);
}

export async function aesGcm() {
  // The GCM specification's test case 4 (with additional data).
  const key = await subtle.importKey("raw", unhex("feffe9928665731c6d6a8f9467308308"), "AES-GCM", true, ["encrypt", "decrypt"]);
  eq(key.algorithm, { name: "AES-GCM", length: 128 });
  const iv = unhex("cafebabefacedbaddecaf888");
  const pt = unhex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
  const aad = unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  const ct = await subtle.encrypt({ name: "AES-GCM", iv, additionalData: aad }, key, pt);
  eq(hex(ct), "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091" +
    "5bc94fbc3221a5db94fae95ae7121a47");
  eq(hex(await subtle.decrypt({ name: "AES-GCM", iv, additionalData: aad }, key, ct)), hex(pt));
  const short = await subtle.encrypt({ name: "AES-GCM", iv, tagLength: 96 }, key, pt);
  eq(short.byteLength, pt.length + 12);
  eq(hex(await subtle.decrypt({ name: "AES-GCM", iv, tagLength: 96 }, key, short)), hex(pt));
  const bad = new Uint8Array(ct); bad[0] ^= 1;
  await rejects(subtle.decrypt({ name: "AES-GCM", iv, additionalData: aad }, key, bad), "OperationError", "tampered");
  await rejects(subtle.encrypt({ name: "AES-GCM", iv, tagLength: 100 }, key, pt), "OperationError", "tagLength");
  await rejects(subtle.encrypt({ name: "AES-GCM" }, key, pt), "TypeError", "no iv");
  await rejects(subtle.importKey("raw", new Uint8Array(15), "AES-GCM", true, ["encrypt"]), "DataError", "key length");
  await rejects(subtle.encrypt({ name: "AES-CBC", iv: new Uint8Array(16) }, key, pt), "InvalidAccessError", "wrong algorithm");
  eq(await subtle.exportKey("jwk", key), { kty: "oct", k: "_v_pkoZlcxxtao-UZzCDCA", alg: "A128GCM", key_ops: ["encrypt", "decrypt"], ext: true });
}

export async function aesCbcCtr() {
  const raw = unhex("2b7e151628aed2a6abf7158809cf4f3c");
  const block = unhex("6bc1bee22e409f96e93d7e117393172a");
  const cbc = await subtle.importKey("raw", raw, { name: "AES-CBC" }, false, ["encrypt", "decrypt"]);
  const iv = unhex("000102030405060708090a0b0c0d0e0f");
  const c = await subtle.encrypt({ name: "AES-CBC", iv }, cbc, block);
  eq([c.byteLength, hex(c).slice(0, 32)], [32, "7649abac8119b246cee98e9b12e9197d"], "SP 800-38A F.2.1 + PKCS#7 padding");
  eq(hex(await subtle.decrypt({ name: "AES-CBC", iv }, cbc, c)), hex(block));
  await rejects(subtle.encrypt({ name: "AES-CBC", iv: new Uint8Array(8) }, cbc, block), "OperationError", "iv length");
  await rejects(subtle.decrypt({ name: "AES-CBC", iv }, cbc, new Uint8Array(16)), "OperationError", "bad padding");
  const ctr = await subtle.importKey("raw", raw, "AES-CTR", true, ["encrypt", "decrypt"]);
  const counter = unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
  eq(hex(await subtle.encrypt({ name: "AES-CTR", counter, length: 64 }, ctr, block)), "874d6191b620e3261bef6864990db6ce", "F.5.1");
  // Only the rightmost `length` bits count: with length 8, block 2 uses ...fe00, not ...ff00.
  const two = await subtle.encrypt({ name: "AES-CTR", counter, length: 8 }, ctr, new Uint8Array(32));
  const wrapped = unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfe00");
  const second = await subtle.encrypt({ name: "AES-CTR", counter: wrapped, length: 8 }, ctr, new Uint8Array(16));
  eq(hex(two).slice(32), hex(second), "counter wraps within length bits");
  await rejects(subtle.encrypt({ name: "AES-CTR", counter, length: 0 }, ctr, block), "OperationError", "length 0");
}

export async function aesKwWrap() {
  // RFC 3394 §4.1
  const kek = await subtle.importKey("raw", unhex("000102030405060708090a0b0c0d0e0f"), "AES-KW", false, ["wrapKey", "unwrapKey"]);
  const key = await subtle.importKey("raw", unhex("00112233445566778899aabbccddeeff"), "AES-GCM", true, ["encrypt"]);
  const wrapped = await subtle.wrapKey("raw", key, kek, "AES-KW");
  eq(hex(wrapped), "1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5");
  const back = await subtle.unwrapKey("raw", wrapped, kek, "AES-KW", "AES-GCM", true, ["decrypt"]);
  eq([back.algorithm.name, back.usages, hex(await subtle.exportKey("raw", back))],
    ["AES-GCM", ["decrypt"], "00112233445566778899aabbccddeeff"]);
  const bad = new Uint8Array(wrapped); bad[3] ^= 1;
  await rejects(subtle.unwrapKey("raw", bad, kek, "AES-KW", "AES-GCM", true, ["decrypt"]), "OperationError", "integrity");
  // JWK wrapped with AES-GCM.
  const gcm = await subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["wrapKey", "unwrapKey"]);
  const hmac = await subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, true, ["sign", "verify"]);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const w = await subtle.wrapKey("jwk", hmac, gcm, { name: "AES-GCM", iv });
  const h2 = await subtle.unwrapKey("jwk", w, gcm, { name: "AES-GCM", iv }, { name: "HMAC", hash: "SHA-256" }, true, ["sign"]);
  eq(hex(await subtle.exportKey("raw", h2)), hex(await subtle.exportKey("raw", hmac)));
  const locked = await subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  await rejects(subtle.wrapKey("raw", locked, kek, "AES-KW"), "InvalidAccessError", "not extractable");
}

export async function pbkdf2AndHkdf() {
  const pw = await subtle.importKey("raw", enc.encode("password"), "PBKDF2", false, ["deriveBits", "deriveKey"]);
  eq([pw.type, pw.extractable, pw.algorithm], ["secret", false, { name: "PBKDF2" }]);
  const bits = await subtle.deriveBits({ name: "PBKDF2", salt: enc.encode("salt"), iterations: 1, hash: "SHA-256" }, pw, 256);
  eq(hex(bits), "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b");
  const two = await subtle.deriveBits({ name: "PBKDF2", salt: enc.encode("salt"), iterations: 2, hash: "SHA-1" }, pw, 160);
  eq(hex(two), "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957", "RFC 6070 c=2");
  await rejects(subtle.importKey("raw", enc.encode("pw"), "PBKDF2", true, ["deriveBits"]), "SyntaxError", "extractable");
  await rejects(subtle.deriveBits({ name: "PBKDF2", salt: enc.encode("salt"), iterations: 0, hash: "SHA-256" }, pw, 256),
    "OperationError", "iterations 0");
  const derived = await subtle.deriveKey({ name: "PBKDF2", salt: enc.encode("salt"), iterations: 1, hash: "SHA-256" }, pw,
    { name: "AES-GCM", length: 256 }, true, ["encrypt"]);
  eq(hex(await subtle.exportKey("raw", derived)), "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b");
  // RFC 5869 test case 1
  const ikm = await subtle.importKey("raw", new Uint8Array(22).fill(0x0b), "HKDF", false, ["deriveBits"]);
  const okm = await subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: unhex("000102030405060708090a0b0c"),
    info: unhex("f0f1f2f3f4f5f6f7f8f9") }, ikm, 42 * 8);
  eq(hex(okm), "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
  await rejects(subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: new Uint8Array(), info: new Uint8Array() }, ikm, 7),
    "OperationError", "length not a multiple of 8");
  await rejects(subtle.deriveKey({ name: "HKDF", hash: "SHA-256", salt: new Uint8Array(), info: new Uint8Array() }, ikm,
    { name: "AES-GCM", length: 128 }, true, ["encrypt"]), "InvalidAccessError", "no deriveKey usage");
}

export async function ed25519Rfc8032() {
  const d = unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  const x = unhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  const priv = await subtle.importKey("jwk", { kty: "OKP", crv: "Ed25519", d: b64u(d), x: b64u(x) }, "Ed25519", true, ["sign"]);
  const sig = await subtle.sign("Ed25519", priv, new Uint8Array(0));
  eq(hex(sig), "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  const pub = await subtle.importKey("raw", x, { name: "Ed25519" }, true, ["verify"]);
  eq([pub.type, pub.algorithm], ["public", { name: "Ed25519" }]);
  eq(await subtle.verify("Ed25519", pub, sig, new Uint8Array(0)), true);
  eq(await subtle.verify("Ed25519", pub, sig, new Uint8Array(1)), false);
  eq(hex(await subtle.exportKey("raw", pub)), hex(x));
  const spki = await subtle.exportKey("spki", pub);
  eq(hex(spki), "302a300506032b6570032100" + hex(x));
  const pkcs8 = await subtle.exportKey("pkcs8", priv);
  const priv2 = await subtle.importKey("pkcs8", pkcs8, "Ed25519", false, ["sign"]);
  eq(hex(await subtle.sign("Ed25519", priv2, new Uint8Array(0))), hex(sig));
  // workerd's alias
  const node = await subtle.importKey("raw", x, { name: "NODE-ED25519", namedCurve: "NODE-ED25519" }, true, ["verify"]);
  eq(node.algorithm, { name: "NODE-ED25519", namedCurve: "NODE-ED25519" });
  eq(await subtle.verify({ name: "NODE-ED25519" }, node, sig, new Uint8Array(0)), true);
  const pair = await subtle.generateKey("Ed25519", false, ["sign", "verify"]);
  eq([pair.publicKey.usages, pair.privateKey.usages, pair.publicKey.extractable, pair.privateKey.extractable],
    [["verify"], ["sign"], true, false]);
  await rejects(subtle.importKey("raw", x, "Ed25519", true, ["sign"]), "SyntaxError", "sign on a public key");
}

export async function ecdsaAndEcdh() {
  for (const [curve, size] of [["P-256", 32], ["P-384", 48]]) {
    const pair = await subtle.generateKey({ name: "ECDSA", namedCurve: curve }, true, ["sign", "verify"]);
    eq(pair.privateKey.algorithm, { name: "ECDSA", namedCurve: curve });
    const data = enc.encode("hello");
    const sig = await subtle.sign({ name: "ECDSA", hash: "SHA-256" }, pair.privateKey, data);
    eq(sig.byteLength, 2 * size, "IEEE P1363 r||s");
    eq(await subtle.verify({ name: "ECDSA", hash: "SHA-256" }, pair.publicKey, sig, data), true);
    eq(await subtle.verify({ name: "ECDSA", hash: "SHA-384" }, pair.publicKey, sig, data), false);
    const raw = new Uint8Array(await subtle.exportKey("raw", pair.publicKey));
    eq([raw.length, raw[0]], [1 + 2 * size, 4]);
    const jwk = await subtle.exportKey("jwk", pair.privateKey);
    eq([jwk.kty, jwk.crv, typeof jwk.d, jwk.ext], ["EC", curve, "string", true]);
    const fromJwk = await subtle.importKey("jwk", jwk, { name: "ECDSA", namedCurve: curve }, false, ["sign"]);
    const sig2 = await subtle.sign({ name: "ECDSA", hash: "SHA-256" }, fromJwk, data);
    const fromRaw = await subtle.importKey("raw", raw, { name: "ECDSA", namedCurve: curve }, true, ["verify"]);
    eq(await subtle.verify({ name: "ECDSA", hash: "SHA-256" }, fromRaw, sig2, data), true);
    const spki = await subtle.exportKey("spki", pair.publicKey);
    await rejects(subtle.importKey("spki", spki, { name: "ECDSA", namedCurve: curve === "P-256" ? "P-384" : "P-256" }, true, ["verify"]),
      "DataError", "curve mismatch");
  }
  const a = await subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits", "deriveKey"]);
  const b = await subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);
  eq(b.publicKey.usages, []);
  const ab = await subtle.deriveBits({ name: "ECDH", public: b.publicKey }, a.privateKey, 256);
  const ba = await subtle.deriveBits({ name: "ECDH", public: a.publicKey }, b.privateKey, null);
  eq(hex(ab), hex(ba));
  const k = await subtle.deriveKey({ name: "ECDH", public: b.publicKey }, a.privateKey, { name: "AES-GCM", length: 128 }, true, ["encrypt"]);
  eq(hex(await subtle.exportKey("raw", k)), hex(ab).slice(0, 32));
  const c = await subtle.generateKey({ name: "ECDH", namedCurve: "P-384" }, true, ["deriveBits"]);
  await rejects(subtle.deriveBits({ name: "ECDH", public: c.publicKey }, a.privateKey, 256), "InvalidAccessError", "curves");
  await rejects(subtle.deriveBits({ name: "ECDH", public: b.privateKey }, a.privateKey, 256), "InvalidAccessError", "private as public");
  await rejects(subtle.generateKey({ name: "ECDSA", namedCurve: "P-192" }, true, ["sign"]), "NotSupportedError", "curve");
}

export async function rsa() {
  const e = new Uint8Array([1, 0, 1]);
  const pss = await subtle.generateKey({ name: "RSA-PSS", modulusLength: 2048, publicExponent: e, hash: "SHA-256" }, true, ["sign", "verify"]);
  eq([pss.publicKey.algorithm.modulusLength, [...pss.publicKey.algorithm.publicExponent], pss.publicKey.algorithm.hash],
    [2048, [1, 0, 1], { name: "SHA-256" }]);
  const data = enc.encode("data");
  const sig = await subtle.sign({ name: "RSA-PSS", saltLength: 32 }, pss.privateKey, data);
  eq(sig.byteLength, 256);
  eq(await subtle.verify({ name: "RSA-PSS", saltLength: 32 }, pss.publicKey, sig, data), true);
  eq(await subtle.verify({ name: "RSA-PSS", saltLength: 32 }, pss.publicKey, sig, enc.encode("other")), false);
  // The same key as RSASSA-PKCS1-v1_5, via JWK / pkcs8 / spki.
  const jwk = await subtle.exportKey("jwk", pss.privateKey);
  eq([jwk.kty, jwk.alg, jwk.e, jwk.key_ops], ["RSA", "PS256", "AQAB", ["sign"]]);
  delete jwk.alg;
  const pkcs = await subtle.importKey("jwk", jwk, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, true, ["sign"]);
  const s1 = await subtle.sign("RSASSA-PKCS1-v1_5", pkcs, data);
  const s2 = await subtle.sign("RSASSA-PKCS1-v1_5", pkcs, data);
  eq(hex(s1), hex(s2), "PKCS#1 v1.5 is deterministic");
  const spki = await subtle.exportKey("spki", pss.publicKey);
  const pub = await subtle.importKey("spki", spki, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, true, ["verify"]);
  eq(await subtle.verify("RSASSA-PKCS1-v1_5", pub, s1, data), true);
  const pkcs8 = await subtle.exportKey("pkcs8", pkcs);
  eq(new Uint8Array(pkcs8)[0], 0x30);
  const pubJwk = await subtle.exportKey("jwk", pub);
  eq([pubJwk.alg, pubJwk.d], ["RS256", undefined]);
  // OAEP
  const oaep = await subtle.generateKey({ name: "RSA-OAEP", modulusLength: 2048, publicExponent: e, hash: "SHA-256" }, false,
    ["encrypt", "decrypt", "wrapKey", "unwrapKey"]);
  eq([oaep.publicKey.usages, oaep.privateKey.usages], [["encrypt", "wrapKey"], ["decrypt", "unwrapKey"]]);
  const label = enc.encode("label");
  const ct = await subtle.encrypt({ name: "RSA-OAEP", label }, oaep.publicKey, enc.encode("secret"));
  eq(new TextDecoder().decode(await subtle.decrypt({ name: "RSA-OAEP", label }, oaep.privateKey, ct)), "secret");
  await rejects(subtle.decrypt({ name: "RSA-OAEP" }, oaep.privateKey, ct), "OperationError", "wrong label");
  const aes = await subtle.generateKey({ name: "AES-CBC", length: 128 }, true, ["encrypt"]);
  const wrapped = await subtle.wrapKey("raw", aes, oaep.publicKey, { name: "RSA-OAEP" });
  const unwrapped = await subtle.unwrapKey("raw", wrapped, oaep.privateKey, { name: "RSA-OAEP" }, "AES-CBC", true, ["encrypt"]);
  eq(hex(await subtle.exportKey("raw", unwrapped)), hex(await subtle.exportKey("raw", aes)));
  await rejects(subtle.importKey("raw", new Uint8Array(16), { name: "RSA-OAEP", hash: "SHA-256" }, true, ["encrypt"]),
    "NotSupportedError", "raw RSA");
  await rejects(subtle.importKey("spki", new Uint8Array([1, 2, 3]), { name: "RSA-OAEP", hash: "SHA-256" }, true, ["encrypt"]),
    "DataError", "garbage spki");
  await rejects(subtle.exportKey("spki", pkcs), "InvalidAccessError", "spki of a private key");
}

export function timingSafeEqual() {
  eq(subtle.timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]).buffer), true);
  eq(subtle.timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3])), false);
  let err = null;
  try { subtle.timingSafeEqual(new Uint8Array(1), new Uint8Array(2)); } catch (e) { err = e; }
  eq(err instanceof TypeError, true);
}

export async function badArguments() {
  await rejects(subtle.sign("HMAC", {}, new Uint8Array(1)), "TypeError", "not a key");
  await rejects(subtle.importKey("raw", new Uint8Array(16), "AES-GCM", true, ["bogus"]), "TypeError", "bad usage name");
  // an unknown format is a NotSupportedError, as in workerd (WebIDL's KeyFormat enum would make it a TypeError),
  // found before the algorithm; keyData that is neither a BufferSource nor a dictionary is still a TypeError
  await rejects(subtle.importKey("bogus", new Uint8Array(16), "AES-GCM", true, ["encrypt"]), "NotSupportedError", "bad format");
  await rejects(subtle.importKey("pem", new Uint8Array(16), "AES-XYZ", true, ["encrypt"]), "NotSupportedError", "bad format first");
  await rejects(subtle.importKey("pem", 5, "AES-GCM", true, ["encrypt"]), "TypeError", "keyData before the format");
  const aes = await subtle.importKey("raw", new Uint8Array(16), "AES-GCM", true, ["encrypt", "wrapKey"]);
  await rejects(subtle.exportKey("pem", aes), "NotSupportedError", "exportKey format");
  await rejects(subtle.wrapKey("pem", aes, aes, { name: "AES-GCM", iv: new Uint8Array(12) }), "NotSupportedError", "wrapKey format");
  await rejects(subtle.importKey("jwk", new Uint8Array(16), "AES-GCM", true, ["encrypt"]), "TypeError", "jwk as bytes");
  await rejects(subtle.encrypt("AES-ECB", null, new Uint8Array(1)), "NotSupportedError", "unknown algorithm");
  let err = null;
  try { await subtle.digest("SHA-256"); } catch (e) { err = e; }
  eq(err instanceof TypeError, true, "missing argument");
}
