"""Write-only credentials. A `Secret` never shows its value in repr, str, format, pickles or logs.

The only way to read a secret is `reveal()`, called where a request is signed. Everything that could print
an object (logging, tracebacks, error messages, `Settings` reprs) sees `[redacted]`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NoReturn

REDACTED = "[redacted]"
# Shorter values could occur in ordinary text by chance; no venue issues credentials this short.
MIN_REDACTED_LENGTH = 4


class Secret:
    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({REDACTED!r})"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret cannot be pickled")

    def __bool__(self) -> bool:
        return bool(self._value)


@dataclass(frozen=True, slots=True)
class Credentials:
    """What a venue needs to sign requests. Which fields are required depends on the venue:
    binance: api_key + secret; coinbaseexchange and okx also a password (passphrase); some need a uid."""

    api_key: Secret | None = None
    secret: Secret | None = None
    password: Secret | None = None
    uid: Secret | None = None

    def __repr__(self) -> str:
        present = [name for name in ("api_key", "secret", "password", "uid") if getattr(self, name)]
        return f"Credentials({', '.join(present)}: {REDACTED})"

    def secrets(self) -> tuple[Secret | None, Secret | None, Secret | None, Secret | None]:
        """(api_key, secret, password, uid), in ccxt's order (apiKey, secret, password, uid)."""
        return (self.api_key, self.secret, self.password, self.uid)

    def values(self) -> tuple[str, ...]:
        """Every credential value, for redaction."""
        return tuple(
            s.reveal() for s in (self.api_key, self.secret, self.password, self.uid) if s is not None and s
        )

    def require(self, *names: str, exchange: str) -> None:
        from ..errors import AuthenticationFailed

        missing = [name for name in names if not getattr(self, name)]
        if missing:
            raise AuthenticationFailed(
                f"the account's credentials lack {', '.join(missing)}, which {exchange} needs",
                exchange=exchange,
            )


class Redactor:
    """Replaces known secret values in text. Longest first, so a secret containing another goes whole."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: list[str] = []
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        known = set(self._secrets)
        known.update(s for s in secrets if len(s) >= MIN_REDACTED_LENGTH)
        self._secrets = sorted(known, key=len, reverse=True)

    def __iter__(self) -> Iterator[str]:
        return iter(self._secrets)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text


class RedactingFilter(logging.Filter):
    """A handler filter: every record leaves with known secrets replaced, message and traceback alike.

    Installed on the handlers (not a logger), so it sees records of every logger that reach them."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        redact = self.redactor
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[0] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text, record.exc_info = redact(text), None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install_redaction(redactor: Redactor) -> list[tuple[logging.Handler, logging.Filter]]:
    """Adds the filter to every handler configured so far (the root's, uvicorn's, ...); returns what to
    uninstall. Handlers, not loggers: a logger's filter misses records propagated from its children."""
    loggers: list[Any] = [logging.getLogger()]
    loggers += [lg for lg in logging.root.manager.loggerDict.values() if isinstance(lg, logging.Logger)]
    log_filter = RedactingFilter(redactor)
    installed: list[tuple[logging.Handler, logging.Filter]] = []
    seen: set[int] = set()
    for logger in loggers:
        for handler in logger.handlers:
            if id(handler) not in seen:
                seen.add(id(handler))
                handler.addFilter(log_filter)
                installed.append((handler, log_filter))
    return installed


def uninstall_redaction(installed: list[tuple[logging.Handler, logging.Filter]]) -> None:
    for handler, log_filter in installed:
        handler.removeFilter(log_filter)
