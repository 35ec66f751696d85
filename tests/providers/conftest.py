"""Each domestic gateway in turn: the app configured for it, time frozen on a Wednesday 10:00."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.config import install
from tests.support.gateway import Gateway, gateway_app


@pytest.fixture(autouse=True)
def session_settings_afterwards(app) -> Iterator[None]:
    """Building another app installs its settings for the process: put the suite's back."""
    yield
    install(app.config["SETTINGS"])


@pytest.fixture(params=["aliyun", "tencent"])
def gateway(request, app, database_url, clock, tmp_path) -> Iterator[Gateway]:
    with gateway_app(request.param, database_url, tmp_path) as gateway:
        yield gateway
