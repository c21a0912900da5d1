"""Kraken request signing (private REST endpoints, /0/private/*).

Docs: https://docs.kraken.com/api/docs/guides/spot-rest-auth
Every private call is a POST whose form body starts with `nonce`. The signature (header API-Sign) is
base64(HMAC-SHA512(base64decode(secret), uri_path + SHA256(nonce + body))); the key travels in API-Key.
The parameter order is the one ccxt 4.5.90 produces (nonce first, then the call's parameters in order), so
the differential test can compare whole bodies, signature included.

Kraken rejects a nonce not greater than the last one it accepted for the key (EAPI:Invalid nonce), so the
nonce is epoch milliseconds, bumped past the previous one when the clock has not moved on. Two processes
sharing a key can still collide: give each gateway instance its own key, or set a nonce window on the key.

Pure apart from the clock, which is injected.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from ...clock import now_ms
from ...errors import AuthenticationFailed, GatewayError
from ...trading.credentials import Credentials, Redactor, Secret
from .constants import EXCHANGE_ID

FORM = "application/x-www-form-urlencoded"

Pairs = Sequence[tuple[str, str]]


def decode_secret(secret: Secret) -> bytes:
    """Kraken's private key is base64; anything else can only sign garbage (EAPI:Invalid signature)."""
    try:
        return base64.b64decode(secret.reveal(), validate=True)
    except (binascii.Error, ValueError):
        # The value itself is never shown.
        raise AuthenticationFailed(
            "the kraken API secret (private key) is not base64 text", exchange=EXCHANGE_ID
        ) from None


def api_sign(secret: bytes, path: str, nonce: str, body: str) -> str:
    digest = hashlib.sha256((nonce + body).encode()).digest()
    return base64.b64encode(hmac.new(secret, path.encode() + digest, hashlib.sha512).digest()).decode()


class IncreasingNonce:
    """Epoch milliseconds from `clock`, strictly increasing from one call to the next."""

    def __init__(self, clock: Callable[[], int] = now_ms) -> None:
        self.clock = clock
        self._last = 0

    def __call__(self) -> int:
        self._last = max(self.clock(), self._last + 1)
        return self._last


@dataclass(frozen=True, slots=True)
class SignedRequest:
    body: str  # the form body, `nonce` first
    headers: dict[str, str]


class KrakenSigner:
    """Signs private calls with one account's key. `nonce` gives each call its nonce; `clock` (epoch ms) is
    what order deadlines are computed from."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        nonce: Callable[[], int] | None = None,
        clock: Callable[[], int] = now_ms,
    ) -> None:
        credentials.require("api_key", "secret", exchange=EXCHANGE_ID)
        assert credentials.api_key is not None and credentials.secret is not None
        decode_secret(credentials.secret)  # fail at start-up, not on the first order
        self._redactor = Redactor(credentials.values())
        self._api_key = credentials.api_key
        self._secret = credentials.secret
        self.clock = clock
        self.nonce = nonce if nonce is not None else IncreasingNonce(clock)

    def __repr__(self) -> str:
        return "KrakenSigner()"

    @contextlib.contextmanager
    def scrubbing(self) -> Iterator[None]:
        """Errors raised inside leave without this account's credential values, should a venue have quoted
        them back (the trading service redacts too; this keeps the adapter safe on its own)."""
        try:
            yield
        except GatewayError as error:
            cleaned = self._redactor(error.message)
            if cleaned != error.message:
                error.message = cleaned
                error.args = (cleaned,)
            raise

    def sign(self, path: str, params: Pairs) -> SignedRequest:
        """`path` as requested (/0/private/AddOrder); `params` in the order they are sent."""
        nonce = str(self.nonce())
        body = urlencode([("nonce", nonce), *params])
        signature = api_sign(decode_secret(self._secret), path, nonce, body)
        headers = {"API-Key": self._api_key.reveal(), "API-Sign": signature, "Content-Type": FORM}
        return SignedRequest(body, headers)
