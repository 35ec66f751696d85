"""Whose address a request has: the socket's, unless HOTLINE_TRUSTED_PROXIES says how many of
our own proxies stand in front; a client cannot pick its address by sending X-Forwarded-For.
Seen through the login throttle, which locks an (account, address) pair after five guesses."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from app import create_app
from app.auth import throttle
from app.config import install
from tests.conftest import another_app, app_config
from tests.support.staff import log_in, staff

PROXY = "10.0.0.2"  # the socket address every request comes from, behind the proxy


@pytest.fixture
def behind_one_proxy(app: Flask) -> Iterator[Flask]:
    with another_app(app.config["DATABASE_URL"], HOTLINE_TRUSTED_PROXIES=1) as proxied:
        yield proxied
    install(app.config["SETTINGS"])


def client_of(app: Flask, forwarded_for: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = PROXY
    client.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client


def guess_five_times(app: Flask, forwarded_for: list[str]) -> None:
    for header in forwarded_for[: throttle.PAIR_ATTEMPTS]:
        assert log_in(client_of(app, header), "admin", "not the password").status_code == 401


def test_without_trusted_proxies_x_forwarded_for_is_ignored(app, ctx, clock):
    staff("admin")
    guess_five_times(app, [f"198.51.100.{n}" for n in range(10)])
    clock.advance(seconds=1)  # the account's own delay after five guesses
    assert log_in(client_of(app, "198.51.100.99"), "admin").status_code == 429
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "10.0.0.3"
    assert log_in(elsewhere, "admin").status_code == 302


def test_behind_one_proxy_the_address_it_saw_counts(behind_one_proxy, ctx, clock):
    staff("admin")
    # The guesser writes their own X-Forwarded-For; the proxy appends the address it saw.
    guess_five_times(behind_one_proxy, [f"172.16.0.{n}, 198.51.100.7" for n in range(10)])
    clock.advance(seconds=1)
    spoofed = client_of(behind_one_proxy, "172.16.9.9, 198.51.100.7")
    assert log_in(spoofed, "admin").status_code == 429
    assert log_in(client_of(behind_one_proxy, "198.51.100.8"), "admin").status_code == 302


def test_a_negative_number_of_proxies_refuses_to_start(app):
    with pytest.raises(RuntimeError, match="HOTLINE_TRUSTED_PROXIES"):
        create_app(app_config(app.config["DATABASE_URL"], HOTLINE_TRUSTED_PROXIES=-1))
    install(app.config["SETTINGS"])
