"""The app factory and its defaults."""

from app import create_app
from app.config import current_settings


def test_default_app_is_not_testing(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "SECRET_KEY": "k"})
    assert not app.testing
    assert app.config["HOTLINE_TIMEZONE"] == "Asia/Shanghai"
    assert app.config["HOTLINE_REGION"] == "CN"
    assert app.config["SETTINGS"].local_mode
    assert current_settings() is app.config["SETTINGS"]  # for code outside an app context


def test_twilio_mode_requires_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    import pytest

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"TWILIO_ACCOUNT_SID": "AC" + "0" * 32})


def test_healthz(client):
    assert client.get("/healthz").status_code == 200
