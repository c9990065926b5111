"""dashboard.auth: password hashes, the contributor configuration, the sign-in rate limiter."""

from __future__ import annotations

import json
import multiprocessing

import pytest

from dashboard import auth

FAST = {"n": 2**10}  # cheap hashes for tests; the format is the same


@pytest.fixture(scope="module")
def alice_hash() -> str:
    return auth.hash_password("correct horse battery", **FAST)


def test_hash_is_self_describing_and_verifies(alice_hash):
    scheme, n, r, p, salt, digest = alice_hash.split("$")
    assert (scheme, n, r, p) == ("scrypt", "1024", "8", "1")
    assert auth.parse_hash(alice_hash).digest and len(auth.parse_hash(alice_hash).salt) == auth.SALT_BYTES
    assert auth.verify_password("correct horse battery", alice_hash)
    assert not auth.verify_password("correct horse batterY", alice_hash)
    assert not auth.verify_password("", alice_hash)


def test_default_cost_and_fresh_salt():
    a, b = auth.hash_password("same password"), auth.hash_password("same password")
    assert a.startswith(f"scrypt${auth.DEFAULT_N}$8$1$")
    assert a != b  # a new salt every time
    assert auth.verify_password("same password", a) and auth.verify_password("same password", b)


@pytest.mark.parametrize(
    "encoded",
    [
        pytest.param("", id="empty"),
        pytest.param("plaintext-password", id="not-a-hash"),
        pytest.param("bcrypt$10$8$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==", id="other-scheme"),
        pytest.param("scrypt$1000$8$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==", id="n-not-power-of-two"),
        pytest.param("scrypt$2097152$8$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==", id="n-too-large"),
        pytest.param("scrypt$1024$99$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==", id="r-too-large"),
        pytest.param("scrypt$1024$8$1$not base64!$aGFzaGhhc2hoYXNoaGFzaA==", id="bad-base64"),
        pytest.param("scrypt$1024$8$1$c2E=$aGFzaGhhc2hoYXNoaGFzaA==", id="salt-too-short"),
        pytest.param("scrypt$16384$8$1$REPLACE_WITH_THE_SALT$REPLACE_WITH_THE_HASH", id="example-placeholder"),
        pytest.param("scrypt$x$8$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==", id="n-not-a-number"),
    ],
)
def test_unusable_hashes_never_verify(encoded):
    with pytest.raises(auth.BadHash):
        auth.parse_hash(encoded)
    assert not auth.verify_password("anything", encoded)


def test_hash_refuses_empty_password():
    with pytest.raises(ValueError):
        auth.hash_password("")


def test_overlong_password_is_refused_without_hashing(alice_hash):
    assert not auth.verify_password("x" * (auth.MAX_PASSWORD_CHARS + 1), alice_hash)


# ---------------------------------------------------------------- configuration


def test_load_config_reads_contributors_and_emails(alice_hash):
    cfg = auth.load_config(
        {
            "contributors": {
                "Alice": {"name": "Alice Example", "password_hash": alice_hash},
                "bob": {"password_hash": "scrypt$broken"},
                "carol": {"email": "Carol@Example.org"},
            },
            "contribute": {"allowed_emails": ["editor@example.org "]},
        }
    )
    assert set(cfg.passwords) == {"alice"}  # bob's hash is unusable, carol has none
    assert cfg.contributor(" ALICE ").name == "Alice Example"
    assert cfg.contributor("bob") is None
    assert cfg.allowed_emails == {"editor@example.org", "carol@example.org"}
    assert not cfg.oidc_enabled  # no [auth]: the provider button is not shown
    assert cfg.configured
    assert any("bob" in p for p in cfg.problems)


@pytest.mark.parametrize(
    ("auth_section", "providers"),
    [
        pytest.param(None, (), id="absent"),
        pytest.param({}, (), id="empty"),
        pytest.param({"redirect_uri": "x", "cookie_secret": "y", "client_id": "c"}, (None,), id="unnamed"),
        pytest.param({"redirect_uri": "x", "google": {"client_id": "c"}}, ("google",), id="named"),
    ],
)
def test_provider_sign_in_only_when_auth_is_configured(auth_section, providers):
    secrets = {"contribute": {"allowed_emails": ["a@example.org"]}}
    if auth_section is not None:
        secrets["auth"] = auth_section
    cfg = auth.load_config(secrets)
    assert cfg.oidc_providers == providers
    assert cfg.configured == bool(providers)


def test_no_secrets_means_nobody_can_sign_in():
    for empty in (None, {}, {"contributors": {}}, {"contributors": "not a table"}):
        assert not auth.load_config(empty).configured


def test_email_allow_list_is_case_insensitive():
    cfg = auth.load_config({"contribute": {"allowed_emails": "Editor@Example.org"}})
    assert cfg.email_allowed("editor@example.ORG")
    assert not cfg.email_allowed("someone@example.org")
    assert not cfg.email_allowed("")


# ---------------------------------------------------------------- rate limiting


class Clock:
    def __init__(self, t: float = 1_000_000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


def test_five_failures_lock_for_a_growing_delay(tmp_path):
    clock = Clock()
    limiter = auth.RateLimiter(tmp_path / "f.json", clock=clock)
    keys = ["user:alice"]
    assert [limiter.record_failure(keys) for _ in range(4)] == [0, 0, 0, 0]
    assert limiter.locked_for(keys) == 0
    assert limiter.record_failure(keys) == 60  # fifth failure: locked for a minute
    assert limiter.locked_for(keys) == 60
    clock.t += 61
    assert limiter.locked_for(keys) == 0
    for _ in range(4):
        limiter.record_failure(keys)
    assert limiter.record_failure(keys) == 120  # the next lock is twice as long
    clock.t += 121
    for _ in range(5):
        limiter.record_failure(keys)
    assert limiter.locked_for(keys) == 240


def test_delay_is_capped():
    assert auth.Limits().delay(50) == auth.Limits().max_delay


def test_success_clears_the_count(tmp_path):
    limiter = auth.RateLimiter(tmp_path / "f.json", clock=Clock())
    for _ in range(4):
        limiter.record_failure(["user:alice"])
    limiter.record_success(["user:alice"])
    for _ in range(4):
        assert limiter.record_failure(["user:alice"]) == 0


def test_state_is_shared_through_the_file_and_stores_no_username(tmp_path):
    """Two limiters on one file stand for two server processes (or two sessions) on one data directory."""
    path = tmp_path / "f.json"
    clock = Clock()
    a, b = auth.RateLimiter(path, clock=clock), auth.RateLimiter(path, clock=clock)
    for i in range(5):
        (a if i % 2 else b).record_failure(["user:alice"])
    assert a.locked_for(["user:alice"]) > 0 and b.locked_for(["user:alice"]) > 0
    text = path.read_text()
    assert "alice" not in text
    assert json.loads(text)["version"] == 1


def test_in_memory_limiter_works_too():
    limiter = auth.RateLimiter(None, clock=Clock())
    for _ in range(5):
        limiter.record_failure(["session:s"])
    assert limiter.locked_for(["session:s"]) == 60


def test_old_entries_are_forgotten_and_the_file_stays_small(tmp_path):
    clock = Clock()
    limiter = auth.RateLimiter(tmp_path / "f.json", limits=auth.Limits(max_entries=10), clock=clock)
    limiter.record_failure(["user:old"])
    clock.t += 2 * 24 * 3600
    for i in range(30):
        limiter.record_failure([f"user:u{i}"])
    entries = json.loads((tmp_path / "f.json").read_text())["entries"]
    assert len(entries) == 10
    assert auth.RateLimiter._key("user:old") not in entries


def test_corrupt_state_file_starts_afresh(tmp_path):
    path = tmp_path / "f.json"
    path.write_text("{not json")
    limiter = auth.RateLimiter(path, clock=Clock())
    assert limiter.locked_for(["user:alice"]) == 0
    assert limiter.record_failure(["user:alice"]) == 0


# ---------------------------------------------------------------- sign_in


@pytest.fixture
def config(alice_hash):
    return auth.load_config({"contributors": {"alice": {"password_hash": alice_hash}}})


def test_sign_in_right_and_wrong(config):
    limiter = auth.RateLimiter(None, clock=Clock())
    ok = auth.sign_in(config, limiter, "Alice", "correct horse battery", "192.0.2.1")
    assert ok.ok and ok.contributor.username == "alice"
    bad = auth.sign_in(config, limiter, "alice", "nope", "192.0.2.1")
    assert not bad.ok and bad.message == "Wrong username or password."
    unknown = auth.sign_in(config, limiter, "mallory", "correct horse battery", "192.0.2.1")
    assert not unknown.ok and unknown.message == bad.message  # no hint whether the username exists


RIGHT = "correct horse battery"


class Sleeps(list):
    """Stands in for time.sleep: records how long each sign-in was held back."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def test_five_failures_lock_that_client_on_that_account_even_with_the_right_password(config):
    clock = Clock()
    limiter = auth.RateLimiter(None, clock=clock)
    results = [auth.sign_in(config, limiter, "alice", f"guess {i}", "203.0.113.9") for i in range(5)]
    assert all(not r.ok for r in results)
    assert "Too many failed sign-ins" in results[-1].message
    locked = auth.sign_in(config, limiter, "alice", RIGHT, "203.0.113.9")
    assert not locked.ok and "Try again in 1 minute" in locked.message
    clock.t += 61
    assert auth.sign_in(config, limiter, "alice", RIGHT, "203.0.113.9").ok


def test_a_strangers_hundred_failures_do_not_stop_the_contributor_from_her_own_client(config):
    """The lockout of issue 14: failures from one client used to lock the account for everyone."""
    clock, sleeps = Clock(), Sleeps()
    limiter = auth.RateLimiter(None, clock=clock)
    for i in range(100):
        auth.sign_in(config, limiter, "alice", f"guess {i}", "198.51.100.7", sleep=sleeps)
        clock.t += 1
    assert not auth.sign_in(config, limiter, "alice", RIGHT, "198.51.100.7", sleep=sleeps).ok  # still locked
    real = auth.sign_in(config, limiter, "alice", RIGHT, "192.0.2.44", sleep=sleeps)
    assert real.ok, real.message
    assert real.slowed <= auth.Throttle().account_max_delay


def test_a_stranger_rotating_clients_slows_the_account_but_never_locks_it(config):
    clock, sleeps = Clock(), Sleeps()
    limiter = auth.RateLimiter(None, clock=clock)
    throttle = auth.Throttle()
    for i in range(100):  # a new address for every guess: no pair or client lock ever falls
        auth.sign_in(config, limiter, "alice", f"guess {i}", f"10.9.{i // 250}.{i % 250}", sleep=sleeps)
    assert sleeps, "failures on one account from many clients must slow sign-ins to it"
    assert sleeps == sorted(sleeps) and max(sleeps) == throttle.account_max_delay
    real = auth.sign_in(config, limiter, "alice", RIGHT, "192.0.2.44", sleep=sleeps)
    assert real.ok and real.slowed == throttle.account_max_delay  # held back a few seconds, not refused


def test_the_strangers_own_client_is_locked_for_growing_delays(config):
    clock = Clock()
    limiter = auth.RateLimiter(None, clock=clock)
    locks = []
    for _ in range(3):
        for i in range(5):
            result = auth.sign_in(config, limiter, "alice", f"guess {i}", "198.51.100.7", sleep=Sleeps())
        locks.append(result.retry_after)
        clock.t += result.retry_after + 1
    assert locks == [60, 120, 240]


def test_one_client_trying_many_usernames_is_locked(config):
    limiter = auth.RateLimiter(None, clock=Clock())
    throttle = auth.Throttle()
    for i in range(throttle.client.max_failures):
        auth.sign_in(config, limiter, f"user{i}", "guess", "198.51.100.7")
    refused = auth.sign_in(config, limiter, "alice", RIGHT, "198.51.100.7")
    assert not refused.ok and "Try again in 15 minutes" in refused.message
    assert auth.sign_in(config, limiter, "alice", RIGHT, "192.0.2.44").ok


def _stranger(path, result) -> None:
    """Another server process: a stranger fails 12 times on alice from one client."""
    from dashboard import auth as auth_in_child

    hashed = auth_in_child.hash_password(RIGHT, **FAST)
    cfg = auth_in_child.load_config({"contributors": {"alice": {"password_hash": hashed}}})
    limiter = auth_in_child.RateLimiter(path)
    outcomes = [
        auth_in_child.sign_in(cfg, limiter, "alice", f"guess {i}", "198.51.100.7", sleep=lambda s: None).message
        for i in range(12)
    ]
    result.put(outcomes)


def test_throttle_state_is_shared_by_two_server_processes(config, tmp_path):
    path = tmp_path / "_auth" / "sign-in-failures.json"
    ctx = multiprocessing.get_context("spawn")
    result = ctx.Queue()
    proc = ctx.Process(target=_stranger, args=(path, result))
    proc.start()
    outcomes = result.get(timeout=120)
    proc.join(30)
    assert outcomes[:4] == ["Wrong username or password."] * 4 and "Too many" in outcomes[4]
    assert all(o.startswith("Too many failed sign-ins. Try again in") for o in outcomes[5:])
    here = auth.RateLimiter(path)  # this process: the other's lock holds here for the stranger's client...
    assert not auth.sign_in(config, here, "alice", RIGHT, "198.51.100.7").ok
    assert here.failures("user:alice") == 5  # ...the account's count includes the other's failures...
    assert auth.sign_in(config, here, "alice", RIGHT, "192.0.2.44").ok  # ...and alice gets in from hers


@pytest.mark.parametrize(
    "remote, forwarded, trusted, expected",
    [
        pytest.param("203.0.113.5", None, None, "203.0.113.5", id="direct"),
        pytest.param(None, None, None, "127.0.0.1", id="loopback-without-proxy"),
        pytest.param(None, "203.0.113.5", None, "203.0.113.5", id="behind-local-nginx"),
        pytest.param(None, "6.6.6.6, 203.0.113.5", None, "203.0.113.5", id="client-written-hop-ignored"),
        pytest.param("203.0.113.5", "6.6.6.6", None, "203.0.113.5", id="untrusted-peer-cannot-forward"),
        pytest.param("10.0.3.4", "203.0.113.5, 10.0.9.9", "10.0.0.0/8", "203.0.113.5", id="trusted-chain"),
        pytest.param(None, "garbage", None, "127.0.0.1", id="malformed-hop"),
        pytest.param("2001:db8:1:2:3:4:5:6", None, None, "2001:db8:1:2::/64", id="ipv6-per-64"),
        pytest.param("::ffff:127.0.0.1", "203.0.113.5", None, "203.0.113.5", id="ipv4-mapped-loopback"),
    ],
)
def test_client_address(remote, forwarded, trusted, expected):
    nets = auth.trusted_proxies(trusted) if trusted else auth.trusted_proxies(auth.LOOPBACK)
    assert auth.client_address(remote, forwarded, nets) == expected


def test_trusted_proxies_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("ENCOUNTERS_TRUSTED_PROXIES", "10.0.0.0/8, not-an-address")
    assert [str(n) for n in auth.trusted_proxies()] == ["10.0.0.0/8"]
    assert auth.client_address(None, "203.0.113.5") == "127.0.0.1"  # loopback no longer trusted


def test_the_committed_example_secrets_parse_and_let_nobody_in():
    import tomllib

    from support import REPO

    example = REPO / ".streamlit" / "secrets.example.toml"
    config = auth.load_config(tomllib.loads(example.read_text(encoding="utf-8")))
    assert not config.configured and config.problems  # the placeholder hash is refused, loudly
    assert not (REPO / ".streamlit" / "secrets.toml").exists() or "secrets.toml" in (REPO / ".gitignore").read_text()


# ---------------------------------------------------------------- who is signed in


def test_identity_follows_the_configuration_on_every_run():
    first = auth.hash_password("correct horse battery staple")
    cfg = auth.load_config(
        {
            "contributors": {"alice": {"name": "Alice Example", "password_hash": first}},
            "contribute": {"allowed_emails": ["editor@example.org"]},
        }
    )
    saved = {"method": "password", "id": "alice", "fingerprint": auth.fingerprint(first)}
    assert auth.identify(cfg, saved, {}) == auth.Identity("alice", "Alice Example", "password")
    changed = auth.load_config({"contributors": {"alice": {"password_hash": auth.hash_password("another one")}}})
    assert auth.identify(changed, saved, {}) is None  # the password changed: signed out
    assert auth.identify(auth.load_config({}), saved, {}) is None  # removed from the secrets: signed out
    user = {"email": "Editor@Example.org", "email_verified": True, "name": "Ed"}
    assert auth.identify(cfg, None, user) == auth.Identity("editor@example.org", "Ed", "provider")
    assert auth.identify(cfg, None, {**user, "email_verified": False}) is None
    assert auth.identify(cfg, None, {**user, "email": "stranger@example.org"}) is None
