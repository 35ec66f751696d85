"""Password guessing: crowds of parallel attempts check no more passwords than the rules allow and
never answer 5xx; guesses from many addresses slow an account down but never keep its own
people out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from app.auth import accounts, throttle
from app.auth.models import LoginThrottle
from app.db import db
from tests.support.crowd import at_once, csrf_form
from tests.support.staff import log_in, staff

CROWD = 60
WRONG = "not the password"


class CountingHasher(PasswordHasher):
    """The real argon2 hasher, counting the passwords it checks."""

    checked: list[str]

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.checked.append(str(password))
        return super().verify(hash, password)


@pytest.fixture
def checks(monkeypatch) -> list[str]:
    hasher = CountingHasher()
    hasher.checked = []
    monkeypatch.setattr(accounts, "_hasher", hasher)
    return hasher.checked


def from_address(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def guess_at_once(app, addresses: list[str], username: str = "admin") -> list[int]:
    """Everyone posts a wrong password for `username` at the same instant; their statuses."""
    forms = {}

    def open_page(client):
        forms[id(client)] = csrf_form(client, "/login", username=username, password=WRONG)

    def post(client):
        return client.post("/login", data=forms[id(client)]).status_code

    clients = iter(addresses)

    def prepare(client):
        client.environ_base["REMOTE_ADDR"] = next(clients)
        open_page(client)

    return at_once(app, len(addresses), post, prepare)


def test_sixty_parallel_guesses_from_one_address_check_five(app, ctx, clock, checks):
    staff("admin")
    db.session.remove()

    statuses = guess_at_once(app, ["203.0.113.7"] * CROWD)

    assert sorted(set(statuses)) == [401, 429], statuses
    assert statuses.count(401) == throttle.PAIR_ATTEMPTS
    assert len(checks) == throttle.PAIR_ATTEMPTS
    assert log_in(from_address(app, "203.0.113.7"), "admin").status_code == 429
    clock.advance(minutes=15)
    assert log_in(from_address(app, "203.0.113.7"), "admin").status_code == 302


def test_sixty_parallel_guesses_from_sixty_addresses_check_five(app, ctx, clock, checks):
    staff("admin")
    db.session.remove()

    statuses = guess_at_once(app, [f"198.51.100.{n}" for n in range(CROWD)])

    assert sorted(set(statuses)) == [401, 429], statuses
    assert statuses.count(401) == throttle.FREE_ACCOUNT_ATTEMPTS
    assert len(checks) == throttle.FREE_ACCOUNT_ATTEMPTS


def test_the_accounts_delay_grows_to_its_cap_and_an_hour_of_quiet_forgets_it(app, ctx, clock):
    staff("admin")
    address = iter(f"192.0.2.{n}" for n in range(200))
    for _ in range(throttle.FREE_ACCOUNT_ATTEMPTS):
        assert log_in(from_address(app, next(address)), "admin", WRONG).status_code == 401
    waits = []
    for _ in range(14):
        refused = log_in(from_address(app, next(address)), "admin", WRONG)
        assert refused.status_code == 429
        waits.append(int(refused.headers["Retry-After"]))
        clock.advance(seconds=waits[-1])
        assert log_in(from_address(app, next(address)), "admin", WRONG).status_code == 401
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900, 900]
    refused = log_in(from_address(app, next(address)), "admin")
    assert refused.status_code == 429 and "15分钟" in refused.get_data(as_text=True)
    clock.advance(minutes=15)
    assert log_in(from_address(app, next(address)), "admin").status_code == 302
    for _ in range(throttle.FREE_ACCOUNT_ATTEMPTS):  # a success starts the account afresh
        assert log_in(from_address(app, next(address)), "admin", WRONG).status_code == 401
    clock.advance(hours=1, seconds=1)  # and so does an hour without attempts
    for _ in range(throttle.FREE_ACCOUNT_ATTEMPTS):
        assert log_in(from_address(app, next(address)), "admin", WRONG).status_code == 401


def test_guesses_from_everywhere_never_keep_the_account_out_where_it_logs_in(app, ctx, clock):
    """The demo admin logs in from the office; a crowd guesses from everywhere else."""
    staff("admin")
    office = "10.8.0.2"
    assert log_in(from_address(app, office), "admin").status_code == 302
    db.session.remove()
    for _ in range(3):
        statuses = guess_at_once(app, [f"198.51.100.{n}" for n in range(20)])
        assert 500 not in statuses
    assert log_in(from_address(app, "198.51.100.250"), "admin").status_code == 429
    assert log_in(from_address(app, office), "admin").status_code == 302
    clock.advance(days=31)  # an office not used for a month is a stranger again
    db.session.remove()
    assert 500 not in guess_at_once(app, [f"198.51.100.{n}" for n in range(20)])
    assert log_in(from_address(app, office), "admin").status_code == 429


def test_a_right_password_gives_back_its_own_attempt_only(app, ctx, clock):
    """A guesser with an account of their own cannot wipe their address's count by logging in."""
    staff("admin")
    staff("mole")
    address = "203.0.113.9"
    for n in range(throttle.ADDRESS_ATTEMPTS - 1):
        assert log_in(from_address(app, address), f"nobody{n}", WRONG).status_code == 401
    for _ in range(3):
        assert log_in(from_address(app, address), "mole").status_code == 302
    assert log_in(from_address(app, address), "nobody", WRONG).status_code == 401
    assert log_in(from_address(app, address), "admin").status_code == 429
    counted = db.session.scalar(
        select(LoginThrottle.failures).where(LoginThrottle.key == f"addr:{address}")
    )
    assert counted == throttle.ADDRESS_ATTEMPTS
    assert log_in(from_address(app, "203.0.113.10"), "admin").status_code == 302


def test_the_wait_is_said_in_both_languages(app, ctx, clock):
    staff("admin")
    client = from_address(app, "203.0.113.5")
    for _ in range(throttle.PAIR_ATTEMPTS):
        log_in(client, "admin", WRONG)
    clock.advance(minutes=10, seconds=30)
    chinese = log_in(client, "admin")
    assert "请5分钟后再试" in chinese.get_data(as_text=True)
    assert chinese.headers["Retry-After"] == str(4 * 60 + 30)
    english = from_address(app, "203.0.113.5")
    with english.session_transaction() as session:
        session["lang"] = "en"
    assert "try again in 5 minutes" in log_in(english, "admin").get_data(as_text=True)


def test_the_delay_table_matches_the_rule():
    assert throttle.account_delay(throttle.FREE_ACCOUNT_ATTEMPTS - 1) == timedelta(0)
    assert throttle.account_delay(throttle.FREE_ACCOUNT_ATTEMPTS) == timedelta(seconds=1)
    assert throttle.account_delay(100) == throttle.LONGEST_DELAY


def test_the_sweep_forgets_old_counters_and_stale_known_addresses(app, ctx, clock):
    staff("admin")
    assert log_in(from_address(app, "10.8.0.2"), "admin").status_code == 302
    for n in range(3):
        log_in(from_address(app, f"192.0.2.{n}"), f"random{n}", WRONG)
    clock.advance(days=2)
    log_in(from_address(app, "192.0.2.9"), "admin", WRONG)  # today's counters stay

    throttle.forget_old_attempts(db.session)

    left = set(db.session.scalars(select(LoginThrottle.key)))
    assert left == {"pair:admin|192.0.2.9", "addr:192.0.2.9", "user:admin", "known:admin|10.8.0.2"}
    clock.advance(days=29)
    throttle.forget_old_attempts(db.session)
    assert "known:admin|10.8.0.2" not in set(db.session.scalars(select(LoginThrottle.key)))
