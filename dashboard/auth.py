"""Who may contribute: password hashes, the sign-in rate limiter and the contributor configuration.

Pure Python (no Streamlit): the Contribute page passes in `st.secrets` as a plain dict.

Secrets shape (see .streamlit/secrets.example.toml):

    [contributors.alice]                 # a username, compared case-insensitively
    name = "Alice Example"               # optional, shown on the page
    password_hash = "scrypt$16384$8$1$<salt b64>$<hash b64>"   # from `encounters hash-password`

    [auth]                               # optional: OpenID Connect through st.login
    ...
    [contribute]
    allowed_emails = ["editor@example.org"]   # who may contribute after signing in with the provider

A password hash is self-describing, `scrypt$n$r$p$salt$hash` (standard base64), so its cost can be
raised later without breaking the hashes already handed out.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import functools
import hashlib
import hmac
import ipaddress
import json
import logging
import math
import os
import secrets
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

SCHEME = "scrypt"
DEFAULT_N, DEFAULT_R, DEFAULT_P = 2**14, 8, 1  # about 16 MiB and 50 ms per check
SALT_BYTES, HASH_BYTES = 16, 32
MIN_PASSWORD_LENGTH = 8
# Refuse absurd parameters in a hash string: verifying it must not exhaust the server.
MAX_N, MAX_R, MAX_P = 2**20, 32, 16
MAX_PASSWORD_CHARS = 1024


class BadHash(ValueError):
    """A password hash that is not `scrypt$n$r$p$salt$hash` with sane parameters."""


# ---------------------------------------------------------------- password hashing


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=length, maxmem=128 * r * (n + p + 2) + (1 << 20)
    )


def hash_password(password: str, n: int = DEFAULT_N, r: int = DEFAULT_R, p: int = DEFAULT_P) -> str:
    """`scrypt$n$r$p$salt_b64$hash_b64` for a new random salt."""
    if not password:
        raise ValueError("the password is empty")
    _check_params(n, r, p)
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, n, r, p, HASH_BYTES)
    return f"{SCHEME}${n}${r}${p}${_b64(salt)}${_b64(digest)}"


def _check_params(n: int, r: int, p: int) -> None:
    if n < 2 or n > MAX_N or n & (n - 1):
        raise BadHash(f"scrypt n must be a power of two between 2 and {MAX_N}, not {n}")
    if not 1 <= r <= MAX_R or not 1 <= p <= MAX_P:
        raise BadHash(f"scrypt r and p must be within 1..{MAX_R} and 1..{MAX_P}")


@dataclass(frozen=True)
class ParsedHash:
    n: int
    r: int
    p: int
    salt: bytes
    digest: bytes


def parse_hash(encoded: str) -> ParsedHash:
    """Split a stored hash into its parts; BadHash says what is wrong (never echoing the hash)."""
    parts = str(encoded).strip().split("$")
    if len(parts) != 6 or parts[0] != SCHEME:
        raise BadHash(
            "a password hash must look like scrypt$n$r$p$salt$hash (make one with `encounters hash-password`)"
        )
    try:
        n, r, p = (int(x) for x in parts[1:4])
        salt = base64.b64decode(parts[4], validate=True)
        digest = base64.b64decode(parts[5], validate=True)
    except (ValueError, binascii.Error) as exc:
        raise BadHash("a password hash has a part that is not a number or not base64") from exc
    _check_params(n, r, p)
    if len(salt) < 8 or len(digest) < 16:
        raise BadHash("a password hash has a salt or hash that is too short")
    return ParsedHash(n, r, p, salt, digest)


def verify_password(password: str, encoded: str) -> bool:
    """True when `password` matches the stored hash; False for a wrong password or an unusable hash."""
    try:
        h = parse_hash(encoded)
    except BadHash:
        return False
    if not isinstance(password, str) or len(password) > MAX_PASSWORD_CHARS:
        return False
    candidate = _scrypt(password, h.salt, h.n, h.r, h.p, len(h.digest))
    return hmac.compare_digest(candidate, h.digest)


@functools.cache
def _dummy_hash() -> str:
    """Checked against when the username is unknown, so a wrong name costs as much time as a wrong password."""
    return hash_password(secrets.token_urlsafe(16))


# ---------------------------------------------------------------- configuration


@dataclass(frozen=True)
class Contributor:
    username: str
    name: str
    password_hash: str


@dataclass(frozen=True)
class ContributorConfig:
    passwords: Mapping[str, Contributor] = field(default_factory=dict)  # normalised username -> contributor
    allowed_emails: frozenset[str] = frozenset()
    oidc_providers: tuple[str | None, ...] = ()  # () when [auth] is absent; (None,) for an unnamed provider
    problems: tuple[str, ...] = ()  # entries ignored, for the operator's log (never shown to visitors)

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_providers)

    @property
    def configured(self) -> bool:
        """Can anyone sign in at all on this deployment?"""
        return bool(self.passwords) or (self.oidc_enabled and bool(self.allowed_emails))

    def contributor(self, username: str) -> Contributor | None:
        return self.passwords.get(normalise_username(username))

    def email_allowed(self, email: str | None) -> bool:
        return bool(email) and normalise_email(email) in self.allowed_emails


def normalise_username(username: str) -> str:
    return str(username or "").strip().casefold()


def normalise_email(email: str) -> str:
    return str(email or "").strip().casefold()


def _providers(auth: object) -> tuple[str | None, ...]:
    if not isinstance(auth, Mapping) or not auth:
        return ()
    named = tuple(str(k) for k, v in auth.items() if isinstance(v, Mapping) and "client_id" in v)
    unnamed = (None,) if "client_id" in auth else ()
    return unnamed + named


def load_config(secrets_dict: Mapping | None) -> ContributorConfig:
    """Read contributors from an st.secrets-shaped mapping; bad entries are skipped and listed in `problems`."""
    secrets_dict = secrets_dict or {}
    passwords, problems = {}, []
    entries = secrets_dict.get("contributors") or {}
    if not isinstance(entries, Mapping):
        problems.append("[contributors] must be a table of usernames")
        entries = {}
    for username, entry in entries.items():
        key = normalise_username(username)
        if not key or not isinstance(entry, Mapping):
            problems.append(f"contributor {username!r}: expected a table with password_hash")
            continue
        encoded = entry.get("password_hash")
        if not encoded:
            continue  # a contributor without a password (signs in with the provider only)
        try:
            parse_hash(encoded)
        except BadHash as exc:
            problems.append(f"contributor {username!r}: {exc}; this contributor cannot sign in")
            continue
        if key in passwords:
            problems.append(f"contributor {username!r} is listed twice; the first entry is used")
            continue
        passwords[key] = Contributor(username=key, name=str(entry.get("name") or key), password_hash=str(encoded))
    section = secrets_dict.get("contribute") or {}
    emails = section.get("allowed_emails", []) if isinstance(section, Mapping) else []
    if isinstance(emails, str):
        emails = [emails]
    allowed = frozenset(normalise_email(e) for e in emails if normalise_email(e))
    allowed |= frozenset(
        normalise_email(e.get("email"))
        for e in entries.values()
        if isinstance(e, Mapping) and normalise_email(e.get("email"))
    )
    for p in problems:
        log.warning("contributor configuration: %s", p)
    return ContributorConfig(
        passwords=passwords,
        allowed_emails=allowed,
        oidc_providers=_providers(secrets_dict.get("auth")),
        problems=tuple(problems),
    )


# ---------------------------------------------------------------- rate limiting


@dataclass(frozen=True)
class Limits:
    max_failures: int = 5  # failures in a row before a lock
    base_delay: float = 60.0  # the first lock, in seconds; each further lock doubles it
    max_delay: float = 3600.0
    forget_after: float = 24 * 3600.0  # an entry with no failure for this long is dropped
    max_entries: int = 10_000  # the state file never grows beyond this many keys

    def delay(self, lockouts: int) -> float:
        return min(self.max_delay, self.base_delay * 2 ** min(lockouts, 32))


NEVER = sys.maxsize  # max_failures of a counter that only counts


@dataclass(frozen=True)
class Throttle:
    """How sign-in failures are counted, after OWASP's Authentication Cheat Sheet: locks fall on the one
    who fails, so that a stranger cannot lock a contributor out.

    - one client on one account: locked after `pair.max_failures`, for a doubling delay;
    - one client on any accounts (spraying): locked after `client.max_failures`, for a doubling delay;
    - one account from all clients: never locked; past `account_free` failures within
      `account_window` every sign-in to it waits a little longer, at most `account_max_delay` seconds,
      so that a distributed guesser is slowed and the real contributor still gets in.
    """

    pair: Limits = Limits()
    client: Limits = Limits(max_failures=20, base_delay=900.0, max_delay=24 * 3600.0)
    account_free: int = 10
    account_step: float = 0.25
    account_max_delay: float = 4.0
    account_window: float = 3600.0

    def account_delay(self, failures: int) -> float:
        if failures < self.account_free:
            return 0.0
        return min(self.account_max_delay, self.account_step * 2 ** min(failures - self.account_free, 32))

    @property
    def account(self) -> Limits:
        return Limits(max_failures=NEVER, forget_after=self.account_window)


class RateLimiter:
    """Counts failed sign-ins per key and locks a key after too many (each key with its own Limits).

    With a `path`, the state lives in a small JSON file guarded by a file lock, so every session of
    every server process serving the same data directory sees the same counts; without one, in memory.
    Keys are stored hashed: a password typed into the username field does not end up in a file.
    """

    def __init__(self, path: Path | None = None, limits: Limits | None = None, clock: Callable[[], float] = time.time):
        self.path = Path(path) if path else None
        self.limits = limits or Limits()
        self.clock = clock
        self._memory: dict[str, dict] = {}
        self._thread_lock = threading.Lock()

    @staticmethod
    def _key(key: str) -> str:
        return hashlib.sha256(("sign-in\0" + key).encode("utf-8")).hexdigest()[:32]

    @contextlib.contextmanager
    def _state(self, write: bool = True):
        """The state, locked; saved (when `write`) if the block ends without an error."""
        with self._thread_lock:
            if self.path is None:
                yield self._memory
                self._prune(self._memory)
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path.with_suffix(".lock"), "w") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX if write else fcntl.LOCK_SH)
                try:
                    try:
                        state = json.loads(self.path.read_text(encoding="utf-8")).get("entries", {})
                    except (FileNotFoundError, ValueError, AttributeError):
                        state = {}
                    yield state
                    if write:
                        self._prune(state)
                        tmp = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex}")
                        tmp.write_text(json.dumps({"version": 1, "entries": state}), encoding="utf-8")
                        os.replace(tmp, self.path)
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)

    def _stale(self, entry: dict, now: float) -> bool:
        """Not locked, and no failure for its Limits' forget_after (entries written before forget_at
        existed use the limiter's own)."""
        forget_at = entry.get("forget_at", entry.get("last", 0) + self.limits.forget_after)
        return entry.get("locked_until", 0) < now and forget_at < now

    def _prune(self, state: dict) -> None:
        now = self.clock()
        for k in [k for k, e in state.items() if self._stale(e, now)]:
            del state[k]
        if len(state) > self.limits.max_entries:
            for k in sorted(state, key=lambda k: state[k].get("last", 0))[: len(state) - self.limits.max_entries]:
                del state[k]

    def locked_for(self, keys: Iterable[str]) -> float:
        """Seconds until every key may try again (0 when none is locked)."""
        now = self.clock()
        with self._state(write=False) as state:
            until = max((state.get(self._key(k), {}).get("locked_until", 0.0) for k in keys), default=0.0)
        return max(0.0, until - now)

    def failures(self, key: str) -> int:
        """Failures counted against a key since its last lock (0 once forgotten)."""
        now = self.clock()
        with self._state(write=False) as state:
            entry = state.get(self._key(key))
        return 0 if entry is None or self._stale(entry, now) else int(entry.get("failures", 0))

    def record_failure(self, keys: Iterable[str] | Mapping[str, Limits]) -> float:
        """Count a failure against each key (with its own Limits when given a mapping, else the
        limiter's); returns the longest lock (seconds) it caused, 0 if none."""
        limits_of = dict(keys) if isinstance(keys, Mapping) else dict.fromkeys(keys, self.limits)
        now, locked = self.clock(), 0.0
        with self._state() as state:
            for k, limits in limits_of.items():
                e = state.get(self._key(k))
                if e is None or self._stale(e, now):
                    e = state[self._key(k)] = {"failures": 0, "lockouts": 0, "locked_until": 0.0}
                e["failures"] = e.get("failures", 0) + 1
                e["last"] = now
                e["forget_at"] = now + limits.forget_after
                if e["failures"] >= limits.max_failures:
                    delay = limits.delay(e.get("lockouts", 0))
                    e.update(failures=0, lockouts=e.get("lockouts", 0) + 1, locked_until=now + delay)
                    locked = max(locked, delay)
        return locked

    def record_success(self, keys: Iterable[str]) -> None:
        with self._state() as state:
            for k in keys:
                state.pop(self._key(k), None)


def wait_text(seconds: float) -> str:
    whole = math.ceil(seconds)
    if whole < 60:
        return f"{whole} second{'s' if whole != 1 else ''}"
    minutes = math.ceil(whole / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


# ---------------------------------------------------------------- who is asking

LOOPBACK = "127.0.0.1/32,::1/128"


def trusted_proxies(spec: str | None = None) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """The proxies whose X-Forwarded-For is believed: $ENCOUNTERS_TRUSTED_PROXIES (addresses or
    networks, separated by commas), else loopback only (nginx of `make cluster` on the same machine).
    Entries that are not addresses are skipped and logged."""
    spec = os.environ.get("ENCOUNTERS_TRUSTED_PROXIES") if spec is None else spec
    out = []
    for part in str(spec or LOOPBACK).split(","):
        if part.strip():
            try:
                out.append(ipaddress.ip_network(part.strip(), strict=False))
            except ValueError:
                log.warning("ENCOUNTERS_TRUSTED_PROXIES: %r is not an address or network; ignored", part.strip())
    return tuple(out)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    return (address.version == 6 and address.ipv4_mapped) or address


def _client_key(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """One key per IPv4 address; per /64 for IPv6, which one household or phone holds whole."""
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def client_address(remote_ip: str | None, forwarded_for: str | None = None, trusted=None) -> str:
    """Who is signing in, as far as the server can tell: the connection's address, or, when that is a
    trusted proxy, the nearest address in X-Forwarded-For that is not one (read from the right: a
    client can write anything on the left). `remote_ip` None means loopback (Streamlit's
    st.context.ip_address hides 127.0.0.1 and ::1)."""
    trusted = trusted_proxies() if trusted is None else trusted
    address = _address(remote_ip) if remote_ip else ipaddress.ip_address("127.0.0.1")
    if address is None:
        return str(remote_ip)
    for hop in reversed(str(forwarded_for or "").split(",")):
        if not any(address in net for net in trusted if net.version == address.version):
            break
        nxt = _address(hop)
        if nxt is None:
            break  # a malformed hop: stay with the last address a trusted proxy vouched for
        address = nxt
    return _client_key(address)


# ---------------------------------------------------------------- signing in


@dataclass(frozen=True)
class SignIn:
    ok: bool
    message: str  # what to tell the person (never whether the username exists)
    contributor: Contributor | None = None
    retry_after: float = 0.0
    slowed: float = 0.0  # seconds this attempt was held back because the account is under attack


def throttle_keys(username: str, client: str) -> dict[str, str]:
    user = normalise_username(username)
    return {"pair": f"pair:{client}\0{user}", "client": f"client:{client}", "account": f"user:{user}"}


def sign_in(
    config: ContributorConfig,
    limiter: RateLimiter,
    username: str,
    password: str,
    client: str,
    throttle: Throttle = Throttle(),  # frozen: safe as a default
    sleep: Callable[[float], None] = time.sleep,
) -> SignIn:
    """Check a username and password from `client` (client_address), throttled as Throttle says."""
    keys = throttle_keys(username, client)
    wait = limiter.locked_for([keys["pair"], keys["client"]])
    if wait > 0:
        return SignIn(False, f"Too many failed sign-ins. Try again in {wait_text(wait)}.", retry_after=wait)
    slowed = throttle.account_delay(limiter.failures(keys["account"]))
    if slowed:
        sleep(slowed)
    contributor = config.contributor(username)
    matches = verify_password(password or "", contributor.password_hash if contributor else _dummy_hash())
    if contributor is not None and matches:
        limiter.record_success([keys["pair"]])
        return SignIn(True, f"Signed in as {contributor.username}.", contributor, slowed=slowed)
    locked = limiter.record_failure(
        {keys["pair"]: throttle.pair, keys["client"]: throttle.client, keys["account"]: throttle.account}
    )
    if locked:
        return SignIn(
            False,
            f"Wrong username or password. Too many failed sign-ins: try again in {wait_text(locked)}.",
            retry_after=locked,
            slowed=slowed,
        )
    return SignIn(False, "Wrong username or password.", slowed=slowed)


# ---------------------------------------------------------------- who is signed in


@dataclass(frozen=True)
class Identity:
    id: str  # recorded as published_by: the username, or the provider's e-mail address
    name: str
    method: str  # "password" or "provider"


def fingerprint(password_hash: str) -> str:
    """What a session keeps of a contributor's password hash: enough to notice that it changed."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def identify(config: ContributorConfig, saved, provider_user: Mapping) -> Identity | None:
    """Who is signed in, from what the session saved at a password sign-in and what an OpenID Connect
    provider says, checked against the configuration on every run: a contributor removed from the
    secrets, or whose password changed, is signed out; a provider's address must be verified and allowed."""
    if isinstance(saved, dict) and saved.get("method") == "password":
        c = config.contributor(saved.get("id", ""))
        if c is not None and saved.get("fingerprint") == fingerprint(c.password_hash):
            return Identity(c.username, c.name, "password")
    email = str(provider_user.get("email") or "")
    if email and provider_user.get("email_verified") is not False and config.email_allowed(email):
        return Identity(normalise_email(email), str(provider_user.get("name") or email), "provider")
    return None
