"""JWT verification with a stock library: `jose` (npm, installed into tests/npm by `npm ci`), bundled into a worker
with the repository's esbuild, verifies RS256, ES256 and HS256 tokens that Python signed with `cryptography`, and
rejects tampered ones. Exercises crypto.subtle importKey (spki, jwk, raw) and verify through a real library."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from edgeworker.isolates.engine import HttpRequest, JsIsolate, compile_worker
from edgeworker.limits.outcome import Outcome
from tests.utils import bundle_worker

REPO = Path(__file__).resolve().parents[2]
HS_SECRET = "a-shared-secret-of-at-least-32-bytes!!"

WORKER = """
import { importJWK, importSPKI, jwtVerify } from "jose";

export default {
  async fetch(request, env) {
    const cases = await request.json();
    const out = [];
    for (const c of cases) {
      try {
        let key;
        if (c.alg === "HS256") key = new TextEncoder().encode(env.HS_SECRET);
        else if (c.spki) key = await importSPKI(c.spki, c.alg);
        else key = await importJWK(c.jwk, c.alg);
        const { payload, protectedHeader } = await jwtVerify(c.token, key, { issuer: "edgeworker-tests" });
        out.push({ ok: true, sub: payload.sub, alg: protectedHeader.alg });
      } catch (e) {
        out.push({ ok: false, code: e.code || null, error: e.name + ": " + e.message });
      }
    }
    return Response.json(out);
  },
};
"""


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signing_input(alg: str, claims: dict[str, Any]) -> bytes:
    header = b64u(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    return f"{header}.{b64u(json.dumps(claims).encode())}".encode()


def claims(sub: str) -> dict[str, Any]:
    now = int(time.time())
    return {"sub": sub, "iss": "edgeworker-tests", "iat": now, "exp": now + 600}


def sign_rs256(key: rsa.RSAPrivateKey, sub: str) -> str:
    data = signing_input("RS256", claims(sub))
    return f"{data.decode()}.{b64u(key.sign(data, padding.PKCS1v15(), hashes.SHA256()))}"


def sign_es256(key: ec.EllipticCurvePrivateKey, sub: str) -> str:
    data = signing_input("ES256", claims(sub))
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    return f"{data.decode()}.{b64u(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def sign_hs256(sub: str) -> str:
    data = signing_input("HS256", claims(sub))
    return f"{data.decode()}.{b64u(hmac.new(HS_SECRET.encode(), data, hashlib.sha256).digest())}"


def tamper_payload(token: str) -> str:
    header, _payload, sig = token.split(".")
    return f"{header}.{b64u(json.dumps(claims('mallory')).encode())}.{sig}"


def tamper_signature(token: str) -> str:
    header, payload, sig = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)))
    raw[len(raw) // 2] ^= 0x01
    return f"{header}.{payload}.{b64u(bytes(raw))}"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> str:
    work = tmp_path_factory.mktemp("jwt")
    (work / "worker.js").write_text(WORKER)
    return bundle_worker(work / "worker.js", work / "bundle.js")


@pytest.fixture
async def isolate(bundle: str) -> AsyncIterator[JsIsolate]:
    iso = await JsIsolate.create(memory_mb=128)
    await iso.load_worker(await compile_worker(bundle), {"vars": {}, "secrets": {"HS_SECRET": HS_SECRET}})
    yield iso
    iso.close()


async def verify(iso: JsIsolate, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    body = json.dumps(cases).encode()
    result = await iso.fetch(HttpRequest("POST", "https://worker.example/", [], body, "jwt"), wall_ms=10_000)
    assert result.error is None, f"{result.error.name}: {result.error.message}\n{result.error.stack}"
    assert result.outcome is Outcome.OK and result.status == 200
    out: list[dict[str, Any]] = json.loads(result.body)
    return out


async def test_jose_verifies_python_signed_tokens(isolate: JsIsolate) -> None:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    spki = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    ec_numbers = ec_key.public_key().public_numbers()
    ec_jwk = {"kty": "EC", "crv": "P-256", "x": b64u(ec_numbers.x.to_bytes(32, "big")),
              "y": b64u(ec_numbers.y.to_bytes(32, "big"))}  # fmt: skip
    rsa_numbers = rsa_key.public_key().public_numbers()
    rsa_jwk = {"kty": "RSA", "n": b64u(rsa_numbers.n.to_bytes(256, "big")), "e": b64u(rsa_numbers.e.to_bytes(3, "big"))}

    rs, es, hs = sign_rs256(rsa_key, "alice"), sign_es256(ec_key, "bob"), sign_hs256("carol")
    out = await verify(
        isolate,
        [
            {"alg": "RS256", "spki": spki.decode(), "token": rs},
            {"alg": "RS256", "jwk": rsa_jwk, "token": rs},
            {"alg": "ES256", "jwk": ec_jwk, "token": es},
            {"alg": "HS256", "token": hs},
        ],
    )
    assert out == [
        {"ok": True, "sub": "alice", "alg": "RS256"},
        {"ok": True, "sub": "alice", "alg": "RS256"},
        {"ok": True, "sub": "bob", "alg": "ES256"},
        {"ok": True, "sub": "carol", "alg": "HS256"},
    ]

    other_rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tampered = await verify(
        isolate,
        [
            {"alg": "RS256", "spki": spki.decode(), "token": tamper_payload(rs)},
            {"alg": "RS256", "spki": spki.decode(), "token": tamper_signature(rs)},
            {"alg": "RS256", "spki": spki.decode(), "token": sign_rs256(other_rsa, "eve")},
            {"alg": "ES256", "jwk": ec_jwk, "token": tamper_payload(es)},
            {"alg": "ES256", "jwk": ec_jwk, "token": tamper_signature(es)},
            {"alg": "HS256", "token": tamper_payload(hs)},
            {"alg": "HS256", "token": tamper_signature(hs)},
        ],
    )
    for case in tampered:
        assert case["ok"] is False and case["code"] == "ERR_JWS_SIGNATURE_VERIFICATION_FAILED", case
