"""Gateway bearer tokens: scopes, accounts, hashing, and the limit on failed attempts.

A token is `eql_` + 43 URL-safe characters (32 random bytes). It is shown once, when created; the journal
database keeps only its SHA-256 (a token has 256 bits of entropy, so a plain fast hash cannot be reversed
by guessing, and lookups by hash take constant work whatever the token). Each token carries scopes
(`read:account`, `trade`) and the names of the accounts it may use.

Failed attempts (a token that is malformed, unknown or revoked) are counted per client address in a sliding
window; past the limit every attempt from that address is refused with RATE_LIMITED until the window
clears, valid token or not, so guessing gains nothing from finding one.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from ..errors import BadRequest, Forbidden, RateLimited, Unauthenticated
from .journal import Journal, TokenRecord

TOKEN_PREFIX = "eql_"


class Scope:
    READ_ACCOUNT = "read:account"
    TRADE = "trade"


SCOPES = (Scope.READ_ACCOUNT, Scope.TRADE)
_TOKEN = re.compile(r"^eql_[A-Za-z0-9_-]{43}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: one valid token."""

    token_id: str
    name: str
    scopes: frozenset[str]
    accounts: frozenset[str]

    def require(self, scope: str, account: str) -> None:
        if scope not in self.scopes:
            raise Forbidden(f"this token lacks the {scope} scope")
        if account not in self.accounts:
            # The same answer whether or not the account exists: a token does not learn other accounts.
            raise Forbidden(f"this token may not use account {account[:64]!r}")


def parse_list(text: str, what: str) -> tuple[str, ...]:
    items = tuple(dict.fromkeys(item.strip() for item in text.split(",") if item.strip()))
    if not items:
        raise BadRequest(f"{what} must name at least one")
    return items


async def create_token(
    journal: Journal,
    name: str,
    scopes: Iterable[str],
    accounts: Iterable[str],
    *,
    clock: Callable[[], int] | None = None,
) -> tuple[str, TokenRecord]:
    """A new token (returned once, never stored) and its stored record."""
    scopes, accounts = tuple(scopes), tuple(accounts)
    if not _NAME.match(name):
        raise BadRequest("a token name is 1-64 letters, digits or . _ : -, starting with a letter or digit")
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise BadRequest(f"unknown scope {', '.join(unknown) or '(none)'}; scopes are {', '.join(SCOPES)}")
    bad = [a for a in accounts if not _NAME.match(a)]
    if bad or not accounts:
        raise BadRequest("a token must name the accounts it may use (comma-separated names)")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = TokenRecord(
        id=secrets.token_hex(8),
        name=name,
        token_hash=hash_token(token),
        scopes=scopes,
        accounts=accounts,
        created_at=(clock or journal.clock)(),
    )
    if not await journal.add_token(record):
        raise BadRequest(f"a token named {name!r} exists already")
    return token, record


class FailedAuthLimiter:
    """At most `max_failures` failed attempts per client address in any `window_s` seconds."""

    def __init__(
        self, max_failures: int = 10, window_s: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, client: str) -> deque[float]:
        now = self.clock()
        failures = self._failures.get(client)
        if failures is None:
            return deque()
        while failures and failures[0] <= now - self.window_s:
            failures.popleft()
        if not failures:
            del self._failures[client]
        return failures

    def check(self, client: str) -> None:
        failures = self._recent(client)
        if len(failures) >= self.max_failures:
            retry_after = max(0.0, failures[0] + self.window_s - self.clock())
            raise RateLimited(
                f"too many failed authentication attempts; retry in {retry_after:.0f} s",
                retry_after=retry_after,
            )

    def fail(self, client: str) -> None:
        self._failures.setdefault(client, deque()).append(self.clock())
        if len(self._failures) > 100_000:  # a flood of addresses: forget the oldest rather than grow forever
            self._failures.pop(next(iter(self._failures)))


class Authenticator:
    """Checks bearer tokens against the journal's token table (answers cached for a few seconds, so a
    revoked token stops working within `cache_s`)."""

    def __init__(
        self,
        journal: Journal,
        limiter: FailedAuthLimiter | None = None,
        cache_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.journal = journal
        self.limiter = limiter or FailedAuthLimiter()
        self.cache_s = cache_s
        self.clock = clock
        self._cache: dict[str, tuple[float, Principal | None]] = {}

    async def _lookup(self, token: str) -> Principal | None:
        token_hash = hash_token(token)
        cached = self._cache.get(token_hash)
        if cached is not None and cached[0] > self.clock():
            return cached[1]
        record = await self.journal.token_by_hash(token_hash)
        principal = None
        if record is not None and record.revoked_at is None:
            principal = Principal(
                record.id, record.name, frozenset(record.scopes), frozenset(record.accounts)
            )
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[token_hash] = (self.clock() + self.cache_s, principal)
        return principal

    async def authenticate(self, authorization: str | None, client: str) -> Principal:
        """The principal of an `Authorization: Bearer <token>` header, or UNAUTHENTICATED / RATE_LIMITED."""
        if authorization is None:
            raise Unauthenticated("this needs a bearer token (Authorization: Bearer <token>)")
        self.limiter.check(client)
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        principal = None
        if scheme.lower() == "bearer" and _TOKEN.match(token):
            principal = await self._lookup(token)
        if principal is None:
            self.limiter.fail(client)
            raise Unauthenticated("invalid or revoked token")
        return principal


@dataclass
class RequestAuth:
    """One request's credentials, checked on first use (public queries never touch the token table)."""

    authenticator: Authenticator | None
    authorization: str | None
    client: str
    _principal: Principal | None = None

    async def principal(self) -> Principal:
        if self._principal is None:
            if self.authenticator is None:
                raise Unauthenticated("trading is not enabled on this gateway")
            self._principal = await self.authenticator.authenticate(self.authorization, self.client)
        return self._principal

    @classmethod
    def from_headers(
        cls, authenticator: Authenticator | None, headers: Mapping[str, str], client: str | None
    ) -> RequestAuth:
        return cls(authenticator, headers.get("authorization"), client or "unknown")
