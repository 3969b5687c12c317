// crypto.getRandomValues / crypto.randomUUID (WebCrypto §10), backed by a ChaCha20 CSPRNG from
// @noble/ciphers. Python passes 32 fresh random bytes (as 64 hex chars) with every dispatch and at
// isolate creation; they are mixed into the generator's state. Math.random is never used.
//
// crypto.subtle (WebCrypto §14): argument conversion, algorithm normalization, CryptoKey objects and usage
// checks are here; the cryptography itself runs on the host (isolates/ops.py, ops op_crypto_*), which gets the
// key material with every call: a secret key's raw bytes, a private key's PKCS #8, a public key's SPKI (base64).
import { rngChacha20 } from "@noble/ciphers/chacha.js";
import { bridge, defineGlobal, hostCall, primordials } from "./00_infra.js";
import { DOMException } from "./01_dom_exception.js";
import { fromB64, toB64 } from "./09_base64.js";

const { TypeError: TypeErr, ArrayBufferIsView, ObjectPrototypeToString, Uint8Array: U8, StringPrototypeSlice,
  StringPrototypePadStart, ArrayPrototypeJoin, Number: Num, ObjectDefineProperty } = primordials;

let prg = null;
let pendingSeed = null; // mixed in lazily, so that dispatch() never runs the generator's code

function hexToBytes(hex) {
  const out = new U8(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = Num.parseInt(StringPrototypeSlice(hex, 2 * i, 2 * i + 2), 16);
  return out;
}

/** Queues fresh host randomness; it is mixed into the generator before the next random value. */
export function reseed(hex) {
  if (typeof hex !== "string" || hex.length < 64) return;
  pendingSeed = hex;
}

function generator() {
  if (pendingSeed !== null) {
    const bytes = hexToBytes(pendingSeed);
    pendingSeed = null;
    if (prg === null) prg = rngChacha20(bytes);
    else prg.addEntropy(bytes);
  }
  return prg;
}
bridge.seed = reseed;

const INTEGER_ARRAYS = [
  "[object Int8Array]", "[object Uint8Array]", "[object Uint8ClampedArray]", "[object Int16Array]",
  "[object Uint16Array]", "[object Int32Array]", "[object Uint32Array]", "[object BigInt64Array]",
  "[object BigUint64Array]",
];

function randomBytes(n) {
  const g = generator();
  if (g === null) throw new TypeErr("The random number generator has not been seeded.");
  return g.randomBytes(n);
}

class Crypto {
  constructor(key) {
    if (key !== INTERNAL) throw new TypeErr("Illegal constructor");
  }
  getRandomValues(array) {
    if (!ArrayBufferIsView(array) || !INTEGER_ARRAYS.includes(ObjectPrototypeToString(array))) {
      throw new DOMException(
        "The data argument must be an integer-type TypedArray.", "TypeMismatchError");
    }
    if (array.byteLength > 65536) {
      throw new DOMException(
        `The data argument's byteLength (${array.byteLength}) exceeds the number of bytes of entropy available via this API (65536).`,
        "QuotaExceededError");
    }
    new U8(array.buffer, array.byteOffset, array.byteLength).set(randomBytes(array.byteLength));
    return array;
  }
  randomUUID() {
    const b = randomBytes(16);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const hex = [];
    for (let i = 0; i < 16; i++) hex[i] = StringPrototypePadStart(b[i].toString(16), 2, "0");
    const h = ArrayPrototypeJoin(hex, "");
    return `${StringPrototypeSlice(h, 0, 8)}-${StringPrototypeSlice(h, 8, 12)}-${StringPrototypeSlice(h, 12, 16)}-${StringPrototypeSlice(h, 16, 20)}-${StringPrototypeSlice(h, 20)}`;
  }
  get subtle() { return subtle; }
  get [Symbol.toStringTag]() { return "Crypto"; }
}
const INTERNAL = Symbol("internal");
const crypto = new Crypto(INTERNAL);
ObjectDefineProperty(Crypto.prototype, "getRandomValues", { enumerable: true });
ObjectDefineProperty(Crypto.prototype, "randomUUID", { enumerable: true });
ObjectDefineProperty(Crypto.prototype, "subtle", { enumerable: true });

// ---- crypto.subtle ------------------------------------------------------------------------------------

const { ArrayPrototypeIndexOf, ArrayPrototypePush, ArrayPrototypeMap, ObjectKeys, StringPrototypeToUpperCase,
  StringPrototypeCharCodeAt, JSONStringify, JSONParse, ArrayBuffer: AB, String: Str, NumberIsFinite, MathFloor,
  SymbolIterator } = primordials;


function abFromB64(s) { return fromB64(s).buffer; }

function domError(message, name) { return new DOMException(message, name); }

/** A BufferSource argument, copied (WebIDL: the bytes held at the time of the call). */
function bufferSource(v, what) {
  if (ArrayBufferIsView(v)) {
    const c = new U8(v.byteLength);
    c.set(new U8(v.buffer, v.byteOffset, v.byteLength));
    return c;
  }
  if (v instanceof AB || ObjectPrototypeToString(v) === "[object ArrayBuffer]" ||
      ObjectPrototypeToString(v) === "[object SharedArrayBuffer]") {
    return new U8(v.slice(0));
  }
  throw new TypeErr(`${what} is not of type '(ArrayBuffer or ArrayBufferView)'.`);
}

function requireArgs(args, n, method) {
  if (args.length < n) {
    throw new TypeErr(`Failed to execute '${method}' on 'SubtleCrypto': ${n} arguments required, but only ${args.length} present.`);
  }
}

async function op(verb, args) {
  const r = await hostCall("op_crypto_" + verb, args);
  if (r !== null && typeof r === "object" && r.error) {
    const { name, message } = r.error;
    throw name === "TypeError" ? new TypeErr(message) : domError(message, name);
  }
  return r;
}

// -- algorithm normalization (WebCrypto §18.4)

const HASH_NAMES = ["SHA-1", "SHA-256", "SHA-384", "SHA-512"];
const RSA = ["RSASSA-PKCS1-v1_5", "RSA-PSS", "RSA-OAEP"];
const AES = ["AES-GCM", "AES-CBC", "AES-CTR", "AES-KW"];
const EDDSA = ["Ed25519", "NODE-ED25519"];

// Members of each parameter dictionary: [name, type, required].
const DICTS = {
  RsaPssParams: [["saltLength", "ulong", true]],
  EcdsaParams: [["hash", "hash", true]],
  AesGcmParams: [["iv", "buffer", true], ["additionalData", "buffer", false], ["tagLength", "octet", false]],
  AesCbcParams: [["iv", "buffer", true]],
  AesCtrParams: [["counter", "buffer", true], ["length", "octet", true]],
  RsaOaepParams: [["label", "buffer", false]],
  HmacImportParams: [["hash", "hash", true], ["length", "ulong", false]],
  HmacKeyGenParams: [["hash", "hash", true], ["length", "ulong", false]],
  AesKeyGenParams: [["length", "ushort", true]],
  RsaHashedKeyGenParams: [["modulusLength", "ulong", true], ["publicExponent", "bigint", true], ["hash", "hash", true]],
  RsaHashedImportParams: [["hash", "hash", true]],
  EcKeyParams: [["namedCurve", "string", true]],
  EdKeyParams: [["namedCurve", "string", false]],
  EcdhKeyDeriveParams: [["public", "key", true]],
  HkdfParams: [["hash", "hash", true], ["salt", "buffer", true], ["info", "buffer", true]],
  Pbkdf2Params: [["salt", "buffer", true], ["iterations", "ulong", true], ["hash", "hash", true]],
};

function table(entries) {
  const t = { __proto__: null };
  for (let i = 0; i < entries.length; i++) t[entries[i][0]] = entries[i][1];
  return t;
}
function each(names, dict) { return ArrayPrototypeMap(names, (n) => [n, dict]); }

const REGISTRY = {
  digest: table([...each(HASH_NAMES, null), ["MD5", null]]),
  sign: table([["HMAC", null], ["RSASSA-PKCS1-v1_5", null], ["RSA-PSS", "RsaPssParams"], ["ECDSA", "EcdsaParams"],
    ...each(EDDSA, null)]),
  encrypt: table([["AES-GCM", "AesGcmParams"], ["AES-CBC", "AesCbcParams"], ["AES-CTR", "AesCtrParams"],
    ["RSA-OAEP", "RsaOaepParams"]]),
  generateKey: table([["HMAC", "HmacKeyGenParams"], ...each(AES, "AesKeyGenParams"),
    ...each(RSA, "RsaHashedKeyGenParams"), ["ECDSA", "EcKeyParams"], ["ECDH", "EcKeyParams"],
    ...each(EDDSA, "EdKeyParams")]),
  importKey: table([["HMAC", "HmacImportParams"], ...each(AES, null), ...each(RSA, "RsaHashedImportParams"),
    ["ECDSA", "EcKeyParams"], ["ECDH", "EcKeyParams"], ...each(EDDSA, "EdKeyParams"), ["PBKDF2", null],
    ["HKDF", null]]),
  deriveBits: table([["ECDH", "EcdhKeyDeriveParams"], ["HKDF", "HkdfParams"], ["PBKDF2", "Pbkdf2Params"]]),
  getKeyLength: table([...each(AES, "AesKeyGenParams"), ["HMAC", "HmacImportParams"], ["HKDF", null],
    ["PBKDF2", null]]),
  wrapKey: table([["AES-KW", null]]),
};
REGISTRY.verify = REGISTRY.sign;
REGISTRY.decrypt = REGISTRY.encrypt;
REGISTRY.unwrapKey = REGISTRY.wrapKey;

function toNumber(v, what, bits) {
  const n = +v;
  if (!NumberIsFinite(n)) throw new TypeErr(`${what} is not a finite number.`);
  const t = n < 0 ? -MathFloor(-n) : MathFloor(n);
  const mod = 2 ** bits;
  return ((t % mod) + mod) % mod;
}

function normalize(alg, opName) {
  if (typeof alg === "string") return normalize({ name: alg }, opName);
  if (alg === null || (typeof alg !== "object" && typeof alg !== "function")) {
    throw new TypeErr("Algorithm must be a string or an object with a 'name'.");
  }
  if (alg.name === undefined) throw new TypeErr("Algorithm: required member 'name' is undefined.");
  const given = Str(alg.name);
  const registered = REGISTRY[opName];
  let name = null;
  const upper = StringPrototypeToUpperCase(given);
  const names = ObjectKeys(registered);
  for (let i = 0; i < names.length; i++) if (StringPrototypeToUpperCase(names[i]) === upper) name = names[i];
  if (name === null) throw domError(`Unrecognized or unsupported algorithm for ${opName}: ${given}`, "NotSupportedError");
  const out = { name };
  const dict = registered[name];
  if (dict === null) return out;
  const members = DICTS[dict];
  for (let i = 0; i < members.length; i++) {
    const [member, type, required] = members[i];
    const v = alg[member];
    if (v === undefined) {
      if (required) throw new TypeErr(`${dict}: required member '${member}' is undefined.`);
      continue;
    }
    const what = `${dict}.${member}`;
    if (type === "hash") out[member] = normalize(v, "digest");
    else if (type === "buffer") out[member] = bufferSource(v, what);
    else if (type === "ulong") out[member] = toNumber(v, what, 32);
    else if (type === "ushort") out[member] = toNumber(v, what, 16);
    else if (type === "octet") out[member] = toNumber(v, what, 8);
    else if (type === "string") out[member] = Str(v);
    else if (type === "bigint") {
      if (ObjectPrototypeToString(v) !== "[object Uint8Array]") throw new TypeErr(`${what} is not a Uint8Array.`);
      out[member] = bufferSource(v, what);
    } else if (type === "key") {
      if (!isKey(v)) throw new TypeErr(`${what} is not a CryptoKey.`);
      out[member] = v;
    }
  }
  if (out.hash !== undefined && out.hash.name === "MD5" && name !== "HMAC") {
    // MD5 is for digest() (and HMAC, as workerd allows) only.
    throw domError(`${name} does not support MD5`, "NotSupportedError");
  }
  return out;
}

// -- CryptoKey

const USAGES = ["encrypt", "decrypt", "sign", "verify", "deriveKey", "deriveBits", "wrapKey", "unwrapKey"];
const SIGNERS = { private: ["sign"], public: ["verify"] };
const KEY_USAGES = {
  HMAC: { secret: ["sign", "verify"] },
  "AES-GCM": { secret: ["encrypt", "decrypt", "wrapKey", "unwrapKey"] },
  "AES-CBC": { secret: ["encrypt", "decrypt", "wrapKey", "unwrapKey"] },
  "AES-CTR": { secret: ["encrypt", "decrypt", "wrapKey", "unwrapKey"] },
  "AES-KW": { secret: ["wrapKey", "unwrapKey"] },
  "RSASSA-PKCS1-v1_5": SIGNERS, "RSA-PSS": SIGNERS, ECDSA: SIGNERS, Ed25519: SIGNERS, "NODE-ED25519": SIGNERS,
  "RSA-OAEP": { private: ["decrypt", "unwrapKey"], public: ["encrypt", "wrapKey"] },
  ECDH: { private: ["deriveKey", "deriveBits"], public: [] },
  PBKDF2: { secret: ["deriveKey", "deriveBits"] },
  HKDF: { secret: ["deriveKey", "deriveBits"] },
};

const slots = new primordials.WeakMap();
const WeakMapGet = uncurry(primordials.WeakMap.prototype.get);
const WeakMapSet = uncurry(primordials.WeakMap.prototype.set);
const WeakMapHas = uncurry(primordials.WeakMap.prototype.has);
function uncurry(f) { return primordials.uncurryThis(f); }

function isKey(v) { return v !== null && typeof v === "object" && WeakMapHas(slots, v); }
function keySlot(v, what) {
  if (!isKey(v)) throw new TypeErr(`${what} is not of type 'CryptoKey'.`);
  return WeakMapGet(slots, v);
}

/** Usages as a sequence<KeyUsage>: TypeError for a non-member, duplicates dropped, in the spec's order. */
function usageList(v) {
  if (v === null || typeof v !== "object" || typeof v[SymbolIterator] !== "function") {
    throw new TypeErr("keyUsages is not a sequence.");
  }
  const given = [];
  for (const u of v) {
    const s = Str(u);
    if (ArrayPrototypeIndexOf(USAGES, s) === -1) {
      throw new TypeErr(`Failed to read the 'keyUsages' property: The provided value '${s}' is not a valid enum value of type KeyUsage.`);
    }
    ArrayPrototypePush(given, s);
  }
  const out = [];
  for (let i = 0; i < USAGES.length; i++) if (ArrayPrototypeIndexOf(given, USAGES[i]) !== -1) ArrayPrototypePush(out, USAGES[i]);
  return out;
}

function allowedUsages(name, type) {
  const t = KEY_USAGES[name];
  if (type === null) {
    const all = [];
    for (const k of ObjectKeys(t)) for (const u of t[k]) ArrayPrototypePush(all, u);
    return all;
  }
  return t[type] || [];
}
function checkUsages(usages, allowed, name) {
  for (let i = 0; i < usages.length; i++) {
    if (ArrayPrototypeIndexOf(allowed, usages[i]) === -1) {
      throw domError(`Usage '${usages[i]}' is not allowed for a ${name} key.`, "SyntaxError");
    }
  }
}
function intersect(usages, allowed) {
  const out = [];
  for (let i = 0; i < usages.length; i++) if (ArrayPrototypeIndexOf(allowed, usages[i]) !== -1) ArrayPrototypePush(out, usages[i]);
  return out;
}

function publicAlgorithm(a) {
  const out = {};
  for (const k of ObjectKeys(a)) {
    const v = a[k];
    if (k === "hash") out.hash = { name: v.name };
    else if (k === "publicExponent") out.publicExponent = new U8(v);
    else out[k] = v;
  }
  return out;
}

class CryptoKey {
  constructor(key) {
    if (key !== INTERNAL) throw new TypeErr("Illegal constructor");
  }
  get type() { return keySlot(this, "this").type; }
  get extractable() { return keySlot(this, "this").extractable; }
  get algorithm() { return keySlot(this, "this").algorithmCached; }
  get usages() { return keySlot(this, "this").usagesCached; }
  get [Symbol.toStringTag]() { return "CryptoKey"; }
}
for (const k of ["type", "extractable", "algorithm", "usages"]) ObjectDefineProperty(CryptoKey.prototype, k, { enumerable: true });

function newKey(type, extractable, algorithm, usages, material) {
  const key = new CryptoKey(INTERNAL);
  WeakMapSet(slots, key, {
    type, extractable, algorithm, usages, material,
    algorithmCached: publicAlgorithm(algorithm),
    usagesCached: primordials.ArrayPrototypeSlice(usages),
  });
  return key;
}

function keyAlgorithm(alg, info) {
  const name = alg.name;
  if (name === "HMAC") return { name, hash: alg.hash, length: alg.length };
  if (ArrayPrototypeIndexOf(AES, name) !== -1) return { name, length: alg.length };
  if (ArrayPrototypeIndexOf(RSA, name) !== -1) {
    return { name, modulusLength: info.modulusLength, publicExponent: fromB64(info.publicExponent), hash: alg.hash };
  }
  if (name === "ECDSA" || name === "ECDH") return { name, namedCurve: info.namedCurve };
  if (name === "NODE-ED25519") return { name, namedCurve: "NODE-ED25519" };
  return { name };
}

function checkKeyFor(slot, alg, usage) {
  if (slot.algorithm.name !== alg.name) {
    throw domError(`The key's algorithm (${slot.algorithm.name}) does not match the requested one (${alg.name}).`, "InvalidAccessError");
  }
  if (ArrayPrototypeIndexOf(slot.usages, usage) === -1) {
    throw domError(`The key does not allow the usage '${usage}'.`, "InvalidAccessError");
  }
}

function wireParams(alg, slot) {
  // What the host needs besides the data: the algorithm's own parameters, the key's hash.
  const p = {};
  for (const k of ObjectKeys(alg)) {
    const v = alg[k];
    if (k === "name") continue;
    if (k === "hash") p.hash = v.name;
    else if (ArrayBufferIsView(v)) p[k] = toB64(v);
    else if (k === "public") p.public = WeakMapGet(slots, v).material;
    else p[k] = v;
  }
  if (slot !== undefined && slot.algorithm.hash !== undefined && p.hash === undefined) p.hash = slot.algorithm.hash.name;
  if (slot !== undefined && slot.algorithm.namedCurve !== undefined) p.namedCurve = slot.algorithm.namedCurve;
  return p;
}

const HMAC_BLOCK_BITS = { "SHA-1": 512, "SHA-256": 512, "SHA-384": 1024, "SHA-512": 1024, MD5: 512 };
const GCM_TAGS = [32, 64, 96, 104, 112, 120, 128];
const CURVES = ["P-256", "P-384", "P-521"];

function checkCipherParams(alg) {
  if (alg.name === "AES-GCM") {
    if (alg.tagLength !== undefined && ArrayPrototypeIndexOf(GCM_TAGS, alg.tagLength) === -1) {
      throw domError(`AES-GCM: tagLength ${alg.tagLength} is not valid.`, "OperationError");
    }
  } else if (alg.name === "AES-CBC") {
    if (alg.iv.length !== 16) throw domError("AES-CBC: the iv must be 16 bytes.", "OperationError");
  } else if (alg.name === "AES-CTR") {
    if (alg.counter.length !== 16) throw domError("AES-CTR: the counter must be 16 bytes.", "OperationError");
    if (alg.length === 0 || alg.length > 128) throw domError("AES-CTR: length must be between 1 and 128.", "OperationError");
  }
}

async function cipher(verb, alg, slot, data) {
  checkCipherParams(alg);
  const r = await op(verb, { alg: alg.name, params: wireParams(alg, slot), material: slot.material, data: toB64(data) });
  return r.data;
}

// An unknown key format is a NotSupportedError, as in workerd, which takes the format as a string; WebIDL would
// refuse a value outside the KeyFormat enum with a TypeError.
function checkFormat(format, what) {
  if (format !== "raw" && format !== "pkcs8" && format !== "spki" && format !== "jwk") {
    throw domError(`Unrecognized key ${what} format "${format}".`, "NotSupportedError");
  }
}

async function importKeyImpl(format, keyData, alg, extractable, usages) {
  const name = alg.name;
  checkFormat(format, "import");
  let data = null;
  let jwk = null;
  if (format === "jwk") {
    if (keyData === null || typeof keyData !== "object" || ArrayBufferIsView(keyData) || keyData instanceof AB) {
      throw new TypeErr("keyData must be a JsonWebKey dictionary for the 'jwk' format.");
    }
    jwk = {};
    for (const k of ["kty", "use", "alg", "crv", "x", "y", "d", "n", "e", "p", "q", "dp", "dq", "qi", "k"]) {
      if (keyData[k] !== undefined) jwk[k] = Str(keyData[k]);
    }
    if (keyData.oth !== undefined) jwk.oth = true;
    if (keyData.kty === undefined) throw new TypeErr("JsonWebKey: required member 'kty' is undefined.");
    if (keyData.ext === false && extractable) throw domError("The JWK's 'ext' is false but extractable is true.", "DataError");
    if (keyData.key_ops !== undefined) {
      const ops = usageList(keyData.key_ops);
      for (const u of usages) {
        if (ArrayPrototypeIndexOf(ops, u) === -1) throw domError(`The JWK's 'key_ops' do not include '${u}'.`, "DataError");
      }
    }
    if (jwk.use !== undefined && usages.length > 0) {
      const sig = ArrayPrototypeIndexOf(["sign", "verify"], usages[0]) !== -1;
      if (jwk.use !== (sig ? "sig" : "enc") && !(name === "ECDH" || name === "HKDF" || name === "PBKDF2")) {
        throw domError(`The JWK's 'use' (${jwk.use}) does not fit the usages.`, "DataError");
      }
    }
  } else {
    data = bufferSource(keyData, "keyData");
  }
  const all = allowedUsages(name, null);
  checkUsages(usages, all, name);
  let type, material, info = {};
  const algorithm = { ...alg };
  if (name === "PBKDF2" || name === "HKDF") {
    if (format !== "raw") throw domError(`${name} keys can only be imported as 'raw'.`, "NotSupportedError");
    if (extractable) throw domError(`${name} keys cannot be extractable.`, "SyntaxError");
  }
  if (name === "ECDSA" || name === "ECDH") {
    if (ArrayPrototypeIndexOf(CURVES, alg.namedCurve) === -1) {
      throw domError(`Unrecognized namedCurve: ${alg.namedCurve}`, "NotSupportedError");
    }
  }
  if (format === "raw" && (ArrayPrototypeIndexOf(RSA, name) !== -1)) {
    throw domError(`${name} keys cannot be imported as 'raw'.`, "NotSupportedError");
  }
  const r = await op("import", {
    alg: name, format, params: wireParams(alg), data: data === null ? null : toB64(data), jwk,
  });
  type = r.type;
  material = r.material;
  if (r.info) info = r.info;
  if (type === "secret") {
    const bits = fromB64(material).length * 8;
    if (name === "HMAC") {
      if (bits === 0) throw domError("An HMAC key must not be empty.", "DataError");
      if (alg.length !== undefined && (alg.length > bits || alg.length <= bits - 8)) {
        throw domError(`HMAC: length ${alg.length} does not match the key data (${bits} bits).`, "DataError");
      }
      algorithm.length = alg.length !== undefined ? alg.length : bits;
    } else if (ArrayPrototypeIndexOf(AES, name) !== -1) {
      if (bits !== 128 && bits !== 192 && bits !== 256) throw domError(`AES key data must be 128, 192 or 256 bits, not ${bits}.`, "DataError");
      algorithm.length = bits;
    }
  }
  checkUsages(usages, allowedUsages(name, type), name);
  if ((type === "secret" || type === "private") && usages.length === 0) {
    throw domError(`Usages cannot be empty when creating a ${type} key.`, "SyntaxError");
  }
  return newKey(type, extractable, keyAlgorithm(algorithm, info), usages, material);
}

async function exportKeyImpl(format, key) {
  const slot = keySlot(key, "key");
  checkFormat(format, "export");
  if (!slot.extractable) throw domError("The key is not extractable.", "InvalidAccessError");
  const name = slot.algorithm.name;
  if (name === "PBKDF2" || name === "HKDF") throw domError(`${name} keys cannot be exported.`, "NotSupportedError");
  const r = await op("export", { alg: name, format, type: slot.type, material: slot.material, params: wireParams({}, slot) });
  if (format !== "jwk") return abFromB64(r.data);
  const jwk = r.jwk;
  if (jwk.alg === null || jwk.alg === undefined) delete jwk.alg;
  jwk.key_ops = [...slot.usages];
  jwk.ext = slot.extractable;
  return jwk;
}

function randomKeyBytes(bits) { return randomBytes((bits + 7) >> 3); }

async function generateKeyImpl(alg, extractable, usages) {
  const name = alg.name;
  checkUsages(usages, allowedUsages(name, null), name);
  if (name === "HMAC" || ArrayPrototypeIndexOf(AES, name) !== -1) {
    let bits;
    if (name === "HMAC") {
      bits = alg.length !== undefined ? alg.length : HMAC_BLOCK_BITS[alg.hash.name];
      if (bits === 0) throw domError("HMAC: length must not be 0.", "OperationError");
    } else {
      bits = alg.length;
      if (bits !== 128 && bits !== 192 && bits !== 256) throw domError("AES: length must be 128, 192 or 256.", "OperationError");
    }
    if (usages.length === 0) throw domError("Usages cannot be empty when creating a secret key.", "SyntaxError");
    return newKey("secret", extractable, { ...alg, length: bits }, usages, toB64(randomKeyBytes(bits)));
  }
  if (name === "ECDSA" || name === "ECDH") {
    if (ArrayPrototypeIndexOf(CURVES, alg.namedCurve) === -1) {
      throw domError(`Unrecognized namedCurve: ${alg.namedCurve}`, "NotSupportedError");
    }
  }
  const r = await op("generate", { alg: name, params: wireParams(alg) });
  const algorithm = keyAlgorithm(alg, r.info || {});
  const privateUsages = intersect(usages, allowedUsages(name, "private"));
  const publicUsages = intersect(usages, allowedUsages(name, "public"));
  if (privateUsages.length === 0) throw domError("Usages cannot be empty when creating a key.", "SyntaxError");
  return {
    publicKey: newKey("public", true, algorithm, publicUsages, r.public),
    privateKey: newKey("private", extractable, algorithm, privateUsages, r.private),
  };
}

async function deriveBitsImpl(alg, slot, length) {
  if (alg.name === "ECDH") {
    const pub = WeakMapGet(slots, alg.public);
    if (pub.type !== "public") throw domError("ECDH: 'public' must be a public key.", "InvalidAccessError");
    if (pub.algorithm.name !== "ECDH") throw domError("ECDH: 'public' is not an ECDH key.", "InvalidAccessError");
    if (pub.algorithm.namedCurve !== slot.algorithm.namedCurve) throw domError("ECDH: the keys' curves differ.", "InvalidAccessError");
  }
  const r = await op("derive_bits", { alg: alg.name, params: wireParams(alg), material: slot.material, length });
  return abFromB64(r.data);
}

function keyLength(alg) {
  if (ArrayPrototypeIndexOf(AES, alg.name) !== -1) {
    if (alg.length !== 128 && alg.length !== 192 && alg.length !== 256) throw domError("AES: length must be 128, 192 or 256.", "OperationError");
    return alg.length;
  }
  if (alg.name === "HMAC") {
    if (alg.length === 0) throw domError("HMAC: length must not be 0.", "TypeError");
    return alg.length !== undefined ? alg.length : HMAC_BLOCK_BITS[alg.hash.name];
  }
  return null;
}

function lengthArg(length) {
  if (length === undefined || length === null) return null;
  return toNumber(length, "length", 32);
}

function usagesArg(v) { return usageList(v); }

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// Each method converts its arguments and runs asynchronously; any throw becomes a rejected promise.
class SubtleCrypto {
  constructor(key) {
    if (key !== INTERNAL) throw new TypeErr("Illegal constructor");
  }

  async digest(algorithm, data) {
    requireArgs(arguments, 2, "digest");
    const alg = normalize(algorithm, "digest");
    const bytes = bufferSource(data, "data");
    const r = await op("digest", { alg: alg.name, data: toB64(bytes) });
    return abFromB64(r.data);
  }

  async encrypt(algorithm, key, data) {
    requireArgs(arguments, 3, "encrypt");
    const alg = normalize(algorithm, "encrypt");
    const bytes = bufferSource(data, "data");
    const slot = keySlot(key, "key");
    checkKeyFor(slot, alg, "encrypt");
    return abFromB64(await cipher("encrypt", alg, slot, bytes));
  }

  async decrypt(algorithm, key, data) {
    requireArgs(arguments, 3, "decrypt");
    const alg = normalize(algorithm, "decrypt");
    const bytes = bufferSource(data, "data");
    const slot = keySlot(key, "key");
    checkKeyFor(slot, alg, "decrypt");
    return abFromB64(await cipher("decrypt", alg, slot, bytes));
  }

  async sign(algorithm, key, data) {
    requireArgs(arguments, 3, "sign");
    const alg = normalize(algorithm, "sign");
    const bytes = bufferSource(data, "data");
    const slot = keySlot(key, "key");
    checkKeyFor(slot, alg, "sign");
    const r = await op("sign", { alg: alg.name, params: wireParams(alg, slot), material: slot.material, data: toB64(bytes) });
    return abFromB64(r.data);
  }

  async verify(algorithm, key, signature, data) {
    requireArgs(arguments, 4, "verify");
    const alg = normalize(algorithm, "verify");
    const sig = bufferSource(signature, "signature");
    const bytes = bufferSource(data, "data");
    const slot = keySlot(key, "key");
    checkKeyFor(slot, alg, "verify");
    const r = await op("verify", {
      alg: alg.name, params: wireParams(alg, slot), material: slot.material, data: toB64(bytes), signature: toB64(sig),
    });
    return r.ok === true;
  }

  async generateKey(algorithm, extractable, keyUsages) {
    requireArgs(arguments, 3, "generateKey");
    const alg = normalize(algorithm, "generateKey");
    return generateKeyImpl(alg, !!extractable, usagesArg(keyUsages));
  }

  async importKey(format, keyData, algorithm, extractable, keyUsages) {
    requireArgs(arguments, 5, "importKey");
    if (keyData === null || (typeof keyData !== "object" && typeof keyData !== "function")) {
      throw new TypeErr("Failed to execute 'importKey' on 'SubtleCrypto': parameter 2 is not of type 'BufferSource or JsonWebKey'.");
    }
    format = Str(format);
    checkFormat(format, "import"); // before the algorithm, as in workerd
    const alg = normalize(algorithm, "importKey");
    return importKeyImpl(format, keyData, alg, !!extractable, usagesArg(keyUsages));
  }

  async exportKey(format, key) {
    requireArgs(arguments, 2, "exportKey");
    return exportKeyImpl(Str(format), key);
  }

  async deriveBits(algorithm, baseKey, length = null) {
    requireArgs(arguments, 2, "deriveBits");
    const alg = normalize(algorithm, "deriveBits");
    const slot = keySlot(baseKey, "baseKey");
    checkKeyFor(slot, alg, "deriveBits");
    return deriveBitsImpl(alg, slot, lengthArg(length));
  }

  async deriveKey(algorithm, baseKey, derivedKeyType, extractable, keyUsages) {
    requireArgs(arguments, 5, "deriveKey");
    const alg = normalize(algorithm, "deriveBits");
    const importAlg = normalize(derivedKeyType, "importKey");
    const lengthAlg = normalize(derivedKeyType, "getKeyLength");
    const usages = usagesArg(keyUsages);
    const slot = keySlot(baseKey, "baseKey");
    checkKeyFor(slot, alg, "deriveKey");
    const length = keyLength(lengthAlg);
    const bits = await deriveBitsImpl(alg, slot, length);
    return importKeyImpl("raw", bits, importAlg, !!extractable, usages);
  }

  async wrapKey(format, key, wrappingKey, wrapAlgorithm) {
    requireArgs(arguments, 4, "wrapKey");
    format = Str(format);
    let alg;
    try {
      alg = normalize(wrapAlgorithm, "wrapKey");
    } catch (e) {
      if (!(e instanceof DOMException) || e.name !== "NotSupportedError") throw e;
      alg = normalize(wrapAlgorithm, "encrypt");
    }
    const wslot = keySlot(wrappingKey, "wrappingKey");
    keySlot(key, "key");
    checkKeyFor(wslot, alg, "wrapKey");
    const exported = await exportKeyImpl(format, key);
    const bytes = format === "jwk" ? encoder.encode(JSONStringify(exported)) : new U8(exported);
    return abFromB64(await cipher("encrypt", alg, wslot, bytes));
  }

  async unwrapKey(format, wrappedKey, unwrappingKey, unwrapAlgorithm, unwrappedKeyAlgorithm, extractable, keyUsages) {
    requireArgs(arguments, 7, "unwrapKey");
    format = Str(format);
    let alg;
    try {
      alg = normalize(unwrapAlgorithm, "unwrapKey");
    } catch (e) {
      if (!(e instanceof DOMException) || e.name !== "NotSupportedError") throw e;
      alg = normalize(unwrapAlgorithm, "decrypt");
    }
    const importAlg = normalize(unwrappedKeyAlgorithm, "importKey");
    const wrapped = bufferSource(wrappedKey, "wrappedKey");
    const usages = usagesArg(keyUsages);
    const uslot = keySlot(unwrappingKey, "unwrappingKey");
    checkKeyFor(uslot, alg, "unwrapKey");
    const bytes = fromB64(await cipher("decrypt", alg, uslot, wrapped));
    let keyData = bytes;
    if (format === "jwk") {
      try {
        keyData = JSONParse(decoder.decode(bytes));
      } catch {
        throw domError("The unwrapped key is not valid JWK JSON.", "DataError");
      }
    }
    return importKeyImpl(format, keyData, importAlg, !!extractable, usages);
  }

  /** workerd's extension: compares two buffers of equal length in time that depends only on the length. */
  timingSafeEqual(a, b) {
    const x = bufferSource(a, "a");
    const y = bufferSource(b, "b");
    if (x.length !== y.length) throw new TypeErr("Input buffers must have the same byte length.");
    let diff = 0;
    for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
    return diff === 0;
  }

  get [Symbol.toStringTag]() { return "SubtleCrypto"; }
}
for (const k of ["digest", "encrypt", "decrypt", "sign", "verify", "generateKey", "importKey", "exportKey", "deriveBits",
  "deriveKey", "wrapKey", "unwrapKey", "timingSafeEqual"]) {
  ObjectDefineProperty(SubtleCrypto.prototype, k, { enumerable: true });
}
const subtle = new SubtleCrypto(INTERNAL);

defineGlobal("Crypto", Crypto);
defineGlobal("crypto", crypto);
defineGlobal("SubtleCrypto", SubtleCrypto);
defineGlobal("CryptoKey", CryptoKey);
