"""Host calls (ops) that the runtime's JavaScript makes: Web Crypto primitives and outbound fetch().

Every op is ``async def op(args) -> JSON value`` in ``HOST_OPS`` (merged into ``engine.OPS``). The request the op
belongs to is in ``op_context`` (a ``ContextVar`` that ``engine._run_op`` sets in each op's own task): its id, its
subrequest counter, the CPU the host spent on it and the egress settings.

Bytes cross as base64 strings. An op that fails the way the Web specs describe answers ``{"error": {name, message}}``
(not an exception), so the JS glue can throw the right ``DOMException``/``TypeError``; anything else raised is a bug
and rejects with a plain error.

Key material stays in the isolate: a secret key as its raw bytes, a private key as PKCS #8 DER, a public key as SPKI
DER, sent back with every op that uses it.
"""

from __future__ import annotations

import asyncio
import base64
import contextvars
import hmac as _hmac
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpcore
import httpx
from cryptography.exceptions import InvalidSignature, InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, keywrap, padding, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric import padding as apadding
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from edgeworker.isolates.egress import EgressBlocked, EgressPolicy, GuardedBackend

OpHandler = Callable[[Any], Awaitable[Any]]
T = TypeVar("T")

DEFAULT_SUBREQUEST_LIMIT = 50
MAX_REDIRECTS = 20
MAX_RESPONSE_BYTES = 128 * 1024 * 1024


@dataclass
class OpContext:
    """The request an op runs for. One per dispatched request; shared by all its ops."""

    request_id: str = ""
    subrequests: int = 0
    subrequest_limit: int = DEFAULT_SUBREQUEST_LIMIT
    cpu_seconds: float = 0.0  # CPU the host itself spent for this request (crypto), to charge to it
    egress: EgressPolicy | None = None  # None: the process-wide policy from the environment
    depth: int = 0  # how many fetch() hops through workers of this node led to this request
    subrequest_limit_hit: bool = False
    # an upload still arriving: its chunks (bytes), then None at its end, or an exception if it failed
    body_queue: asyncio.Queue[bytes | None | Exception] | None = field(default=None, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    # fetch() abort tokens → the event op_fetch_abort sets (the request in flight stops at once)
    fetch_aborts: dict[int, asyncio.Event] = field(default_factory=dict, repr=False, compare=False)

    def abort_event(self, token: int) -> asyncio.Event:
        event = self.fetch_aborts.get(token)
        if event is None:
            event = self.fetch_aborts[token] = asyncio.Event()
        return event

    def charge(self, seconds: float) -> None:
        with self._lock:
            self.cpu_seconds += seconds


op_context: contextvars.ContextVar[OpContext] = contextvars.ContextVar("edgeworker_op_context")


def current() -> OpContext:
    ctx = op_context.get(None)
    if ctx is None:
        ctx = OpContext()
        op_context.set(ctx)
    return ctx


class OpError(Exception):
    """A failure JS reports with a given error name (a DOMException name, or TypeError)."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


def _error(e: OpError) -> dict[str, Any]:
    return {"error": {"name": e.name, "message": e.message}}


def _b(value: Any) -> bytes:
    return base64.b64decode(value) if value else b""


def _s(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


async def _charged(fn: Callable[[], T], *, thread: bool = False) -> T:
    """Runs CPU-bound host work for the current request and adds its thread CPU time to the request."""
    ctx = current()

    def run() -> T:
        start = time.thread_time()
        try:
            return fn()
        finally:
            ctx.charge(time.thread_time() - start)

    if thread:
        return await asyncio.to_thread(run)
    return run()


# ---- Web Crypto --------------------------------------------------------------------------------------

HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "SHA-1": hashes.SHA1,
    "SHA-256": hashes.SHA256,
    "SHA-384": hashes.SHA384,
    "SHA-512": hashes.SHA512,
    "MD5": hashes.MD5,
}
CURVES: dict[str, Callable[[], ec.EllipticCurve]] = {
    "P-256": ec.SECP256R1,
    "P-384": ec.SECP384R1,
    "P-521": ec.SECP521R1,
}
CURVE_BYTES = {"P-256": 32, "P-384": 48, "P-521": 66}
CURVE_NAMES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}
RSA_JWK_ALG = {
    "RSASSA-PKCS1-v1_5": {"SHA-1": "RS1", "SHA-256": "RS256", "SHA-384": "RS384", "SHA-512": "RS512"},
    "RSA-PSS": {"SHA-1": "PS1", "SHA-256": "PS256", "SHA-384": "PS384", "SHA-512": "PS512"},
    "RSA-OAEP": {"SHA-1": "RSA-OAEP", "SHA-256": "RSA-OAEP-256", "SHA-384": "RSA-OAEP-384", "SHA-512": "RSA-OAEP-512"},
}
HMAC_JWK_ALG = {"SHA-1": "HS1", "SHA-256": "HS256", "SHA-384": "HS384", "SHA-512": "HS512"}
AES_JWK_SUFFIX = {"AES-GCM": "GCM", "AES-CBC": "CBC", "AES-CTR": "CTR", "AES-KW": "KW"}
RSA_ALGS = frozenset(RSA_JWK_ALG)
EC_ALGS = frozenset({"ECDSA", "ECDH"})
ED_ALGS = frozenset({"Ed25519", "NODE-ED25519"})
AES_ALGS = frozenset(AES_JWK_SUFFIX)

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey


def _hash(name: Any) -> hashes.HashAlgorithm:
    factory = HASHES.get(str(name))
    if factory is None:
        raise OpError("NotSupportedError", f"Unrecognized hash algorithm: {name}")
    return factory()


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64u(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise OpError("DataError", f"Invalid JWK: '{what}' is missing or not a string")
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except ValueError:
        raise OpError("DataError", f"Invalid JWK: '{what}' is not base64url") from None


def _int(value: Any, what: str) -> int:
    return int.from_bytes(_unb64u(value, what), "big")


def _ibytes(n: int, size: int | None = None) -> bytes:
    return n.to_bytes(size or max(1, (n.bit_length() + 7) // 8), "big")


def _load_private(der: bytes) -> PrivateKey:
    try:
        key = serialization.load_der_private_key(der, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise OpError("DataError", "Invalid PKCS #8 private key") from None
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey):
        raise OpError("DataError", "Unsupported private key type")
    return key


def _load_public(der: bytes) -> PublicKey:
    try:
        key = serialization.load_der_public_key(der)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise OpError("DataError", "Invalid SPKI public key") from None
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey):
        raise OpError("DataError", "Unsupported public key type")
    return key


def _pkcs8(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _spki(key: PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _key_info(key: PrivateKey | PublicKey) -> dict[str, Any]:
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        pub = key.public_key() if isinstance(key, rsa.RSAPrivateKey) else key
        numbers = pub.public_numbers()
        return {"modulusLength": pub.key_size, "publicExponent": _s(_ibytes(numbers.e))}
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        return {"namedCurve": CURVE_NAMES.get(key.curve.name, key.curve.name)}
    return {}


def _check_kind(alg: str, key: PrivateKey | PublicKey, params: dict[str, Any]) -> None:
    """DataError when imported key material does not belong to the algorithm (or curve) it is imported for."""
    if alg in RSA_ALGS:
        ok = isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey)
    elif alg in EC_ALGS:
        ok = isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey)
        if ok and CURVE_NAMES.get(key.curve.name) != params.get("namedCurve"):  # type: ignore[union-attr]
            raise OpError("DataError", "The key's curve does not match the algorithm's namedCurve")
    else:
        ok = isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey)
    if not ok:
        raise OpError("DataError", f"The key is not a valid {alg} key")


def _jwk_to_key(alg: str, jwk: dict[str, Any], params: dict[str, Any]) -> tuple[str, bytes, PrivateKey | PublicKey]:
    kty = jwk.get("kty")
    private = "d" in jwk
    if alg in RSA_ALGS:
        if kty != "RSA":
            raise OpError("DataError", "Invalid JWK: 'kty' must be 'RSA'")
        pub_numbers = rsa.RSAPublicNumbers(_int(jwk.get("e"), "e"), _int(jwk.get("n"), "n"))
        try:
            if private:
                if "oth" in jwk:
                    raise OpError("NotSupportedError", "JWK 'oth' (multi-prime RSA) is not supported")
                names = ("p", "q", "dp", "dq", "qi")
                if all(k in jwk for k in names):
                    p, q, dp, dq, qi = (_int(jwk[k], k) for k in names)
                    d = _int(jwk["d"], "d")
                else:
                    d = _int(jwk["d"], "d")
                    p, q = rsa.rsa_recover_prime_factors(pub_numbers.n, pub_numbers.e, d)
                    dp, dq, qi = rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q), rsa.rsa_crt_iqmp(p, q)
                key: PrivateKey | PublicKey = rsa.RSAPrivateNumbers(p, q, d, dp, dq, qi, pub_numbers).private_key()
                return "private", _pkcs8(key), key  # type: ignore[arg-type]
            key = pub_numbers.public_key()
            return "public", _spki(key), key
        except ValueError as e:
            raise OpError("DataError", f"Invalid RSA JWK: {e}") from None
    if alg in EC_ALGS:
        curve_name = params.get("namedCurve")
        if kty != "EC":
            raise OpError("DataError", "Invalid JWK: 'kty' must be 'EC'")
        if jwk.get("crv") != curve_name:
            raise OpError("DataError", "Invalid JWK: 'crv' does not match the namedCurve")
        size = CURVE_BYTES[str(curve_name)]
        x, y = _unb64u(jwk.get("x"), "x"), _unb64u(jwk.get("y"), "y")
        if len(x) != size or len(y) != size:
            raise OpError("DataError", "Invalid JWK: 'x'/'y' have the wrong length for the curve")
        try:
            pubn = ec.EllipticCurvePublicNumbers(
                int.from_bytes(x, "big"), int.from_bytes(y, "big"), CURVES[str(curve_name)]()
            )
            if private:
                d_bytes = _unb64u(jwk.get("d"), "d")
                if len(d_bytes) != size:
                    raise OpError("DataError", "Invalid JWK: 'd' has the wrong length for the curve")
                key = ec.EllipticCurvePrivateNumbers(int.from_bytes(d_bytes, "big"), pubn).private_key()
                return "private", _pkcs8(key), key
            key = pubn.public_key()
            return "public", _spki(key), key
        except ValueError as e:
            raise OpError("DataError", f"Invalid EC JWK: {e}") from None
    # Ed25519
    if kty != "OKP" or jwk.get("crv") != "Ed25519":
        raise OpError("DataError", "Invalid JWK: 'kty' must be 'OKP' and 'crv' 'Ed25519'")
    x = _unb64u(jwk.get("x"), "x")
    try:
        if private:
            key = ed25519.Ed25519PrivateKey.from_private_bytes(_unb64u(jwk.get("d"), "d"))
            if key.public_key().public_bytes_raw() != x:
                raise OpError("DataError", "Invalid JWK: 'x' does not match 'd'")
            return "private", _pkcs8(key), key
        key = ed25519.Ed25519PublicKey.from_public_bytes(x)
        return "public", _spki(key), key
    except ValueError as e:
        raise OpError("DataError", f"Invalid Ed25519 JWK: {e}") from None


def _import(args: dict[str, Any]) -> dict[str, Any]:
    alg, fmt, params = str(args["alg"]), str(args["format"]), args.get("params") or {}
    if alg in AES_ALGS or alg in ("HMAC", "PBKDF2", "HKDF"):
        if fmt == "raw":
            data = _b(args.get("data"))
        elif fmt == "jwk" and alg not in ("PBKDF2", "HKDF"):
            jwk = args.get("jwk") or {}
            if jwk.get("kty") != "oct":
                raise OpError("DataError", "Invalid JWK: 'kty' must be 'oct'")
            data = _unb64u(jwk.get("k"), "k")
            if alg == "HMAC":
                expected = HMAC_JWK_ALG.get(str(params.get("hash")))
            else:
                expected = f"A{len(data) * 8}{AES_JWK_SUFFIX[alg]}"
            if jwk.get("alg") not in (None, expected):
                raise OpError("DataError", f"Invalid JWK: 'alg' {jwk.get('alg')!r} does not match {expected!r}")
        else:
            raise OpError("NotSupportedError", f"Unsupported key format '{fmt}' for {alg}")
        return {"type": "secret", "material": _s(data)}
    if alg not in RSA_ALGS | EC_ALGS | ED_ALGS:
        raise OpError("NotSupportedError", f"Unrecognized algorithm: {alg}")
    key: PrivateKey | PublicKey
    if fmt == "pkcs8":
        key = _load_private(_b(args.get("data")))
        _check_kind(alg, key, params)
        kind, der = "private", _pkcs8(key)
    elif fmt == "spki":
        key = _load_public(_b(args.get("data")))
        _check_kind(alg, key, params)
        kind, der = "public", _spki(key)
    elif fmt == "jwk":
        kind, der, key = _jwk_to_key(alg, args.get("jwk") or {}, params)
        if alg in RSA_ALGS:
            want = RSA_JWK_ALG[alg].get(str(params.get("hash")))
            got = (args.get("jwk") or {}).get("alg")
            if got is not None and got != want:
                raise OpError("DataError", f"Invalid JWK: 'alg' {got!r} does not match {want!r}")
    elif fmt == "raw" and alg in EC_ALGS:
        curve = params.get("namedCurve")
        try:
            key = ec.EllipticCurvePublicKey.from_encoded_point(CURVES[str(curve)](), _b(args.get("data")))
        except (ValueError, KeyError):
            raise OpError("DataError", f"Invalid {curve} public key point") from None
        kind, der = "public", _spki(key)
    elif fmt == "raw" and alg in ED_ALGS:
        try:
            key = ed25519.Ed25519PublicKey.from_public_bytes(_b(args.get("data")))
        except ValueError:
            raise OpError("DataError", "An Ed25519 raw public key must be 32 bytes") from None
        kind, der = "public", _spki(key)
    else:
        raise OpError("NotSupportedError", f"Unsupported key format '{fmt}' for {alg}")
    return {"type": kind, "material": _s(der), "info": _key_info(key)}


def _export(args: dict[str, Any]) -> dict[str, Any]:
    alg, fmt, kind = str(args["alg"]), str(args["format"]), str(args["type"])
    material = _b(args.get("material"))
    params = args.get("params") or {}
    if kind == "secret":
        if fmt == "raw":
            return {"data": _s(material)}
        if fmt == "jwk":
            jwk: dict[str, Any] = {"kty": "oct", "k": _b64u(material)}
            if alg == "HMAC":
                jwk["alg"] = HMAC_JWK_ALG.get(str(params.get("hash")))
            elif alg in AES_ALGS:
                jwk["alg"] = f"A{len(material) * 8}{AES_JWK_SUFFIX[alg]}"
            return {"jwk": jwk}
        raise OpError("NotSupportedError", f"Unsupported key format '{fmt}' for a secret key")
    key = _load_private(material) if kind == "private" else _load_public(material)
    if fmt == "pkcs8":
        if kind != "private":
            raise OpError("InvalidAccessError", "Only private keys can be exported as pkcs8")
        return {"data": _s(material)}
    if fmt == "spki":
        if kind != "public":
            raise OpError("InvalidAccessError", "Only public keys can be exported as spki")
        return {"data": _s(material)}
    if fmt == "raw":
        if kind != "public":
            raise OpError("InvalidAccessError", "Only public keys can be exported as raw")
        if isinstance(key, ec.EllipticCurvePublicKey):
            return {
                "data": _s(key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))
            }
        if isinstance(key, ed25519.Ed25519PublicKey):
            return {"data": _s(key.public_bytes_raw())}
        raise OpError("NotSupportedError", f"Unsupported key format 'raw' for {alg}")
    if fmt != "jwk":
        raise OpError("NotSupportedError", f"Unsupported key format '{fmt}'")
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        pub = key.public_key() if isinstance(key, rsa.RSAPrivateKey) else key
        pn = pub.public_numbers()
        jwk = {"kty": "RSA", "n": _b64u(_ibytes(pn.n)), "e": _b64u(_ibytes(pn.e))}
        if isinstance(key, rsa.RSAPrivateKey):
            n = key.private_numbers()
            for name, value in (("d", n.d), ("p", n.p), ("q", n.q), ("dp", n.dmp1), ("dq", n.dmq1), ("qi", n.iqmp)):
                jwk[name] = _b64u(_ibytes(value))
        jwk["alg"] = RSA_JWK_ALG[alg].get(str(params.get("hash")))
        return {"jwk": jwk}
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        crv = CURVE_NAMES[key.curve.name]
        size = CURVE_BYTES[crv]
        pub_ec = key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key
        en = pub_ec.public_numbers()
        jwk = {"kty": "EC", "crv": crv, "x": _b64u(_ibytes(en.x, size)), "y": _b64u(_ibytes(en.y, size))}
        if isinstance(key, ec.EllipticCurvePrivateKey):
            jwk["d"] = _b64u(_ibytes(key.private_numbers().private_value, size))
        return {"jwk": jwk}
    pub_ed = key.public_key() if isinstance(key, ed25519.Ed25519PrivateKey) else key
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": _b64u(pub_ed.public_bytes_raw())}
    if isinstance(key, ed25519.Ed25519PrivateKey):
        jwk["d"] = _b64u(key.private_bytes_raw())
    return {"jwk": jwk}


def _generate(args: dict[str, Any]) -> dict[str, Any]:
    alg, params = str(args["alg"]), args.get("params") or {}
    key: PrivateKey
    if alg in RSA_ALGS:
        e = int.from_bytes(_b(params.get("publicExponent")), "big")
        bits = int(params.get("modulusLength", 0))
        if e not in (3, 65537) or bits < 512 or bits > 16384 or bits % 8:
            raise OpError("OperationError", "Unsupported RSA modulusLength or publicExponent")
        try:
            key = rsa.generate_private_key(public_exponent=e, key_size=bits)
        except ValueError as err:
            raise OpError("OperationError", f"RSA key generation failed: {err}") from None
    elif alg in EC_ALGS:
        curve = CURVES.get(str(params.get("namedCurve")))
        if curve is None:
            raise OpError("NotSupportedError", f"Unrecognized namedCurve: {params.get('namedCurve')}")
        key = ec.generate_private_key(curve())
    elif alg in ED_ALGS:
        key = ed25519.Ed25519PrivateKey.generate()
    else:
        raise OpError("NotSupportedError", f"Unrecognized algorithm: {alg}")
    return {"private": _s(_pkcs8(key)), "public": _s(_spki(key.public_key())), "info": _key_info(key)}


def _p1363(der_sig: bytes, size: int) -> bytes:
    r, s = decode_dss_signature(der_sig)
    return _ibytes(r, size) + _ibytes(s, size)


def _sign(args: dict[str, Any]) -> dict[str, Any]:
    alg, params, data = str(args["alg"]), args.get("params") or {}, _b(args.get("data"))
    material = _b(args.get("material"))
    if alg == "HMAC":
        return {"data": _s(_hmac.new(material, data, str(params.get("hash", "")).replace("-", "").lower()).digest())}
    key = _load_private(material)
    if isinstance(key, rsa.RSAPrivateKey):
        if alg == "RSA-PSS":
            pad: apadding.AsymmetricPadding = apadding.PSS(
                apadding.MGF1(_hash(params.get("hash"))), int(params.get("saltLength", 0))
            )
        else:
            pad = apadding.PKCS1v15()
        try:
            return {"data": _s(key.sign(data, pad, _hash(params.get("hash"))))}
        except ValueError as e:
            raise OpError("OperationError", str(e)) from None
    if isinstance(key, ec.EllipticCurvePrivateKey):
        size = CURVE_BYTES[CURVE_NAMES[key.curve.name]]
        return {"data": _s(_p1363(key.sign(data, ec.ECDSA(_hash(params.get("hash")))), size))}
    return {"data": _s(key.sign(data))}


def _verify(args: dict[str, Any]) -> dict[str, Any]:
    alg, params, data = str(args["alg"]), args.get("params") or {}, _b(args.get("data"))
    signature = _b(args.get("signature"))
    material = _b(args.get("material"))
    if alg == "HMAC":
        mac = _hmac.new(material, data, str(params.get("hash", "")).replace("-", "").lower()).digest()
        return {"ok": _hmac.compare_digest(mac, signature)}
    key = _load_public(material)
    try:
        if isinstance(key, rsa.RSAPublicKey):
            if alg == "RSA-PSS":
                pad: apadding.AsymmetricPadding = apadding.PSS(
                    apadding.MGF1(_hash(params.get("hash"))), int(params.get("saltLength", 0))
                )
            else:
                pad = apadding.PKCS1v15()
            key.verify(signature, data, pad, _hash(params.get("hash")))
        elif isinstance(key, ec.EllipticCurvePublicKey):
            size = CURVE_BYTES[CURVE_NAMES[key.curve.name]]
            if len(signature) != 2 * size:
                return {"ok": False}
            r, s = int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
            key.verify(encode_dss_signature(r, s), data, ec.ECDSA(_hash(params.get("hash"))))
        else:
            key.verify(signature, data)
    except (InvalidSignature, ValueError):
        return {"ok": False}
    return {"ok": True}


def _ctr(key: bytes, counter: bytes, length: int, data: bytes) -> bytes:
    """AES-CTR where only the rightmost `length` bits of the counter block increment (and wrap)."""
    if len(counter) != 16 or not 1 <= length <= 128:
        raise OpError("OperationError", "AES-CTR needs a 16-byte counter and a length between 1 and 128")
    blocks = (len(data) + 15) // 16
    if length < 128 and blocks > 2**length:
        raise OpError("OperationError", "AES-CTR: the data is too long for the counter length")
    value = int.from_bytes(counter, "big")
    mask = (1 << length) - 1
    low = value & mask
    until_wrap = (mask - low + 1) if length < 128 else blocks
    first = min(blocks, until_wrap) * 16
    enc = Cipher(algorithms.AES(key), modes.CTR(counter)).encryptor()
    out = enc.update(data[:first]) + enc.finalize()
    if first < len(data):
        wrapped = (value & ~mask & ((1 << 128) - 1)).to_bytes(16, "big")
        enc = Cipher(algorithms.AES(key), modes.CTR(wrapped)).encryptor()
        out += enc.update(data[first:]) + enc.finalize()
    return out


def _crypt(args: dict[str, Any], encrypt: bool) -> dict[str, Any]:
    alg, params, data = str(args["alg"]), args.get("params") or {}, _b(args.get("data"))
    material = _b(args.get("material"))
    what = "encrypt" if encrypt else "decrypt"
    try:
        if alg == "AES-GCM":
            iv, aad = _b(params.get("iv")), _b(params.get("additionalData"))
            tag_bytes = int(params.get("tagLength", 128)) // 8
            if not iv:
                raise OpError("OperationError", "AES-GCM: the iv must not be empty")
            if encrypt:
                enc = Cipher(algorithms.AES(material), modes.GCM(iv)).encryptor()
                enc.authenticate_additional_data(aad)
                out = enc.update(data) + enc.finalize()
                return {"data": _s(out + enc.tag[:tag_bytes])}
            if len(data) < tag_bytes:
                raise OpError("OperationError", "AES-GCM: the data is shorter than the tag")
            body, tag = data[: len(data) - tag_bytes], data[len(data) - tag_bytes :]
            dec = Cipher(algorithms.AES(material), modes.GCM(iv, tag, min_tag_length=tag_bytes)).decryptor()
            dec.authenticate_additional_data(aad)
            return {"data": _s(dec.update(body) + dec.finalize())}
        if alg == "AES-CBC":
            iv = _b(params.get("iv"))
            if len(iv) != 16:
                raise OpError("OperationError", "AES-CBC: the iv must be 16 bytes")
            if encrypt:
                padder = padding.PKCS7(128).padder()
                padded = padder.update(data) + padder.finalize()
                cbc_enc = Cipher(algorithms.AES(material), modes.CBC(iv)).encryptor()
                return {"data": _s(cbc_enc.update(padded) + cbc_enc.finalize())}
            cbc_dec = Cipher(algorithms.AES(material), modes.CBC(iv)).decryptor()
            padded = cbc_dec.update(data) + cbc_dec.finalize()
            unpadder = padding.PKCS7(128).unpadder()
            return {"data": _s(unpadder.update(padded) + unpadder.finalize())}
        if alg == "AES-CTR":
            return {"data": _s(_ctr(material, _b(params.get("counter")), int(params.get("length", 0)), data))}
        if alg == "AES-KW":
            if encrypt:
                if len(data) % 8 or len(data) < 16:
                    raise OpError("OperationError", "AES-KW: the data must be a multiple of 8 bytes, at least 16")
                return {"data": _s(keywrap.aes_key_wrap(material, data))}
            return {"data": _s(keywrap.aes_key_unwrap(material, data))}
        if alg == "RSA-OAEP":
            pad = apadding.OAEP(
                apadding.MGF1(_hash(params.get("hash"))), _hash(params.get("hash")), _b(params.get("label")) or None
            )
            rsa_key = _load_public(material) if encrypt else _load_private(material)
            if isinstance(rsa_key, rsa.RSAPublicKey):
                return {"data": _s(rsa_key.encrypt(data, pad))}
            if isinstance(rsa_key, rsa.RSAPrivateKey):
                return {"data": _s(rsa_key.decrypt(data, pad))}
            raise OpError("InvalidAccessError", "RSA-OAEP needs an RSA key")
    except OpError:
        raise
    except (ValueError, InvalidTag, keywrap.InvalidUnwrap) as e:
        raise OpError("OperationError", f"{alg}: the operation failed ({what}): {e or type(e).__name__}") from None
    raise OpError("NotSupportedError", f"Unrecognized algorithm: {alg}")


def _derive_bits(args: dict[str, Any]) -> dict[str, Any]:
    alg, params = str(args["alg"]), args.get("params") or {}
    material = _b(args.get("material"))
    length = args.get("length")
    if alg == "ECDH":
        priv = _load_private(material)
        pub = _load_public(_b(params.get("public")))
        if not isinstance(priv, ec.EllipticCurvePrivateKey) or not isinstance(pub, ec.EllipticCurvePublicKey):
            raise OpError("InvalidAccessError", "ECDH needs an EC private key and an EC public key")
        if priv.curve.name != pub.curve.name:
            raise OpError("InvalidAccessError", "The public key's curve does not match the private key's")
        secret = priv.exchange(ec.ECDH(), pub)
        if length is None:
            return {"data": _s(secret)}
        bits = int(length)
        if bits > len(secret) * 8:
            raise OpError("OperationError", f"ECDH: length {bits} is more than the {len(secret) * 8} bits available")
        out = bytearray(secret[: (bits + 7) // 8])
        if bits % 8:
            out[-1] &= (0xFF << (8 - bits % 8)) & 0xFF
        return {"data": _s(bytes(out))}
    if length is None or int(length) % 8:
        raise OpError("OperationError", f"{alg}: length must be a multiple of 8")
    n = int(length) // 8
    if n == 0:
        return {"data": ""}
    try:
        if alg == "HKDF":
            hkdf = HKDF(_hash(params.get("hash")), n, _b(params.get("salt")), _b(params.get("info")))
            return {"data": _s(hkdf.derive(material))}
        if alg == "PBKDF2":
            iterations = int(params.get("iterations", 0))
            if iterations <= 0:
                raise OpError("OperationError", "PBKDF2: iterations must be more than 0")
            kdf = PBKDF2HMAC(_hash(params.get("hash")), n, _b(params.get("salt")), iterations)
            return {"data": _s(kdf.derive(material))}
    except ValueError as e:
        raise OpError("OperationError", f"{alg}: {e}") from None
    raise OpError("NotSupportedError", f"Unrecognized algorithm: {alg}")


def _digest(args: dict[str, Any]) -> dict[str, Any]:
    h = hashes.Hash(_hash(args.get("alg")))
    h.update(_b(args.get("data")))
    return {"data": _s(h.finalize())}


_CRYPTO: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "digest": _digest,
    "import": _import,
    "export": _export,
    "generate": _generate,
    "sign": _sign,
    "verify": _verify,
    "encrypt": lambda a: _crypt(a, True),
    "decrypt": lambda a: _crypt(a, False),
    "derive_bits": _derive_bits,
}
# Work that can take long enough to stall the host's event loop runs in a thread.
_SLOW = frozenset({"generate"})


def _crypto_op(verb: str) -> OpHandler:
    fn = _CRYPTO[verb]

    async def op(args: Any) -> Any:
        if not isinstance(args, dict):
            raise TypeError(f"op_crypto_{verb}: bad arguments")

        def run() -> dict[str, Any]:
            try:
                return fn(args)
            except OpError as e:
                return _error(e)

        slow = verb in _SLOW or (verb == "derive_bits" and int((args.get("params") or {}).get("iterations", 0)) > 10000)
        return await _charged(run, thread=slow)

    op.__name__ = f"op_crypto_{verb}"
    return op


# ---- outbound fetch ----------------------------------------------------------------------------------

_clients: dict[tuple[int, EgressPolicy], httpx.AsyncClient] = {}
_env_policy: EgressPolicy | None = None


def egress_policy() -> EgressPolicy:
    """The process-wide policy, from EDGEWORKER_ALLOW_EGRESS (read once)."""
    global _env_policy
    if _env_policy is None:
        _env_policy = EgressPolicy.from_env()
    return _env_policy


def reset_egress_policy() -> None:
    """Forgets the policy read from the environment (tests change the variable)."""
    global _env_policy
    _env_policy = None


class _PoolStream(httpx.AsyncByteStream):
    """An httpcore response body as httpx's: closing it closes httpcore's stream, which gives its connection back
    to the pool. (Handed over as ``content``, httpx wraps it in a stream whose close does nothing: every request
    kept its connection, and once the pool's 200 were taken, fetch() waited for ever.)"""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for part in self._stream:
            yield part

    async def aclose(self) -> None:
        await self._stream.aclose()


class GuardedTransport(httpx.AsyncBaseTransport):
    """httpx transport whose connections go through the egress policy (``GuardedBackend``)."""

    def __init__(self, policy: EgressPolicy) -> None:
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=200,
            max_keepalive_connections=50,
            keepalive_expiry=30.0,
            network_backend=GuardedBackend(policy),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        req = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        resp = await self._pool.handle_async_request(req)
        return httpx.Response(
            status_code=resp.status,
            headers=resp.headers,
            stream=_PoolStream(resp.stream),
            extensions=resp.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()


def client_for(policy: EgressPolicy) -> httpx.AsyncClient:
    """One pooled client per event loop and policy."""
    loop = asyncio.get_running_loop()
    key = (id(loop), policy)
    client = _clients.get(key)
    if client is None or client.is_closed:
        for stale in [k for k in _clients if k[0] != id(loop) or _clients[k].is_closed]:
            _clients.pop(stale, None)
        client = httpx.AsyncClient(
            transport=GuardedTransport(policy),
            trust_env=False,
            follow_redirects=False,
            timeout=httpx.Timeout(60.0, connect=10.0),
        )
        del client.headers["user-agent"]  # Workers sends none unless the worker sets one
        _clients[key] = client
    return client


async def close_clients() -> None:
    for client in list(_clients.values()):
        await client.aclose()
    _clients.clear()


_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_DROP_ON_CROSS_ORIGIN = frozenset({"authorization", "cookie", "proxy-authorization"})
_BODY_HEADERS = frozenset(
    {"content-type", "content-length", "content-encoding", "content-language", "content-location"}
)


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port)


# The isolate host sets this: it asks the node whether a URL is served by a worker of the node, and if so has
# that worker answer it through the node's own dispatcher (no network hop). It returns None for "not ours", or
# the answer as op_fetch_send returns it (a dict with status, statusText, headers, body), or raises OpError.
LocalDispatch = Callable[[str, str, list[tuple[str, str]], bytes | None, int], Awaitable[dict[str, Any] | None]]
local_dispatch: LocalDispatch | None = None


async def _fetch(args: dict[str, Any]) -> dict[str, Any]:
    ctx = current()
    if ctx.subrequests >= ctx.subrequest_limit:
        ctx.subrequest_limit_hit = True
        raise OpError("Error", "Too many subrequests by single Worker invocation.")
    ctx.subrequests += 1
    if local_dispatch is not None:
        body_bytes = _b(args.get("body")) if args.get("body") is not None else None
        headers_in = [(str(k), str(v)) for k, v in args.get("headers") or []]
        method_in = str(args.get("method", "GET"))
        answer = await local_dispatch(method_in, str(args["url"]), headers_in, body_bytes, ctx.depth + 1)
        if answer is not None:
            return {**answer, "body": _s(answer["body"]), "url": str(args["url"]), "redirected": False}
    policy = ctx.egress or egress_policy()
    method = str(args.get("method", "GET"))
    url = str(args["url"])
    headers: list[tuple[str, str]] = [(str(k), str(v)) for k, v in args.get("headers") or []]
    body = _b(args.get("body")) if args.get("body") is not None else None
    redirect = str(args.get("redirect", "follow"))
    timeout_s = args.get("timeout_ms")
    client = client_for(policy)
    redirected = False
    for _hop in range(MAX_REDIRECTS + 1):
        try:
            policy.check_url(url)
        except EgressBlocked as e:
            raise OpError("TypeError", str(e)) from None
        # the runtime sends byte strings (one character per byte, see headersForHost in 20_headers.js): they go
        # out as those bytes (httpx would encode str values as ASCII and refuse anything else)
        raw_headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
        req = client.build_request(method, url, headers=raw_headers, content=body)
        if timeout_s is not None:
            req.extensions["timeout"] = httpx.Timeout(float(timeout_s) / 1000).as_dict()
        try:
            resp = await client.send(req, stream=True)
        except EgressBlocked as e:
            raise OpError("TypeError", str(e)) from None
        except httpx.TimeoutException:
            raise OpError("TypeError", f"Network timeout fetching {url}") from None
        except (httpx.HTTPError, httpcore.ProtocolError, httpcore.NetworkError, OSError) as e:
            raise OpError("TypeError", f"Network connection lost: {type(e).__name__}: {e}") from None
        location = resp.headers.get("location")
        if resp.status_code in _REDIRECTS and location is not None and redirect != "manual":
            await resp.aclose()
            if redirect == "error":
                raise OpError("TypeError", f"Fetch to {url} redirected while redirect mode is 'error'.")
            try:
                target = resp.url.join(location)
            except httpx.InvalidURL:
                raise OpError("TypeError", f"Invalid redirect location: {location!r}") from None
            if resp.status_code == 303 and method != "HEAD" or resp.status_code in (301, 302) and method == "POST":
                method = "GET"
                body = None
                headers = [(k, v) for k, v in headers if k.lower() not in _BODY_HEADERS]
            if _origin(target) != _origin(resp.url):
                headers = [(k, v) for k, v in headers if k.lower() not in _DROP_ON_CROSS_ORIGIN]
            url = str(target)
            redirected = True
            continue
        # The body is handed over decoded: its encoding headers no longer describe it (the node does not re-encode).
        decoded = resp.headers.get("content-encoding", "identity").lower() not in ("", "identity")
        try:
            chunks: list[bytes] = []
            size = 0
            async for chunk in resp.aiter_bytes():  # content-encoding (gzip, deflate, br) decoded
                size += len(chunk)
                if size > MAX_RESPONSE_BYTES:
                    raise OpError("TypeError", "The response body is too large to buffer")
                chunks.append(chunk)
        except httpx.HTTPError as e:
            raise OpError("TypeError", f"Network connection lost: {e}") from None
        finally:
            await resp.aclose()
        return {
            "status": resp.status_code,
            "statusText": resp.reason_phrase,
            "headers": [
                [k.decode("latin-1"), v.decode("latin-1")]
                for k, v in resp.headers.raw
                if not decoded or k.lower() not in (b"content-encoding", b"content-length")
            ],
            "body": _s(b"".join(chunks)),
            "url": url,
            "redirected": redirected,
        }
    raise OpError("TypeError", f"Too many redirects fetching {args['url']}")


async def op_fetch_send(args: Any) -> Any:
    if not isinstance(args, dict) or "url" not in args:
        raise TypeError("op_fetch_send: bad arguments")
    token = args.get("abort")
    if not isinstance(token, int):
        try:
            return await _fetch(args)
        except OpError as e:
            return _error(e)
    ctx = current()
    aborted = ctx.abort_event(token)
    work = asyncio.ensure_future(_fetch(args))
    stop = asyncio.ensure_future(aborted.wait())
    try:
        await asyncio.wait((work, stop), return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.cancel()
        ctx.fetch_aborts.pop(token, None)
    if not work.done():
        work.cancel()
        try:
            await work
        except (asyncio.CancelledError, Exception):
            pass
        return _error(OpError("AbortError", "The operation was aborted."))
    try:
        return work.result()
    except OpError as e:
        return _error(e)


async def op_fetch_abort(args: Any) -> Any:
    """Stops the fetch() with this abort token (its signal fired): the connection is closed, not left to finish."""
    if not isinstance(args, dict) or not isinstance(args.get("abort"), int):
        raise TypeError("op_fetch_abort: bad arguments")
    current().abort_event(args["abort"]).set()
    return None


async def op_body_read(args: Any) -> Any:
    """The next chunk of the request's upload, as it arrives from the client (waiting for it is not CPU time)."""
    queue = current().body_queue
    if queue is None:
        return {"done": True}
    item = await queue.get()
    if item is None:
        queue.put_nowait(None)  # later reads see the end too
        return {"done": True}
    if isinstance(item, Exception):
        queue.put_nowait(item)
        raise OpError("TypeError", f"The request body could not be read: {item}")
    return {"done": False, "chunk": item.decode("latin-1")}


HOST_OPS: dict[str, OpHandler] = {f"op_crypto_{verb}": _crypto_op(verb) for verb in _CRYPTO}
HOST_OPS["op_body_read"] = op_body_read
HOST_OPS["op_fetch_send"] = op_fetch_send
HOST_OPS["op_fetch_abort"] = op_fetch_abort

__all__ = ["HOST_OPS", "OpContext", "OpError", "current", "egress_policy", "op_context"]
