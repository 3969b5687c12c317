// crypto.getRandomValues / crypto.randomUUID (WebCrypto §10), backed by a ChaCha20 CSPRNG from
// @noble/ciphers. Python passes 32 fresh random bytes (as 64 hex chars) with every dispatch and at
// isolate creation; they are mixed into the generator's state. Math.random is never used.
import { rngChacha20 } from "@noble/ciphers/chacha.js";
import { bridge, defineGlobal, primordials } from "./00_infra.js";
import { DOMException } from "./01_dom_exception.js";

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
  get [Symbol.toStringTag]() { return "Crypto"; }
}
const INTERNAL = Symbol("internal");
const crypto = new Crypto(INTERNAL);
ObjectDefineProperty(Crypto.prototype, "getRandomValues", { enumerable: true });
ObjectDefineProperty(Crypto.prototype, "randomUUID", { enumerable: true });

defineGlobal("Crypto", Crypto);
defineGlobal("crypto", crypto);
