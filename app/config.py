"""Configuration from the environment (names fixed by the interface contract)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TWILIO_API_DEFAULT = "https://api.twilio.com"


@dataclass
class Settings:
    """Everything the app reads from outside, with local-mode defaults."""

    DATABASE_URL: str = ""
    SECRET_KEY: str = ""
    PUBLIC_BASE_URL: str = "http://127.0.0.1:5580"
    TWILIO_ACCOUNT_SID: str = ""
    TWILIO_AUTH_TOKEN: str = ""
    TWILIO_PHONE_NUMBER: str = "580"
    TWILIO_API_BASE_URL: str = ""
    HOTLINE_TIMEZONE: str = "Asia/Shanghai"
    HOTLINE_REGION: str = "CN"
    # Domestic gateways (mainland China): twilio, aliyun, tencent or local; empty means twilio
    # when a Twilio account is configured, local otherwise.
    HOTLINE_SMS_PROVIDER: str = ""
    HOTLINE_VOICE_PROVIDER: str = ""
    ALIYUN_ACCESS_KEY_ID: str = ""
    ALIYUN_ACCESS_KEY_SECRET: str = ""
    ALIYUN_SMS_SIGN_NAME: str = ""
    ALIYUN_SMS_ENDPOINT: str = "dysmsapi.aliyuncs.com"
    ALIYUN_VOICE_ENDPOINT: str = "dyvmsapi.aliyuncs.com"
    ALIYUN_VOICE_SHOW_NUMBER: str = ""  # empty: the voice service's public numbers
    TENCENT_SECRET_ID: str = ""
    TENCENT_SECRET_KEY: str = ""
    TENCENT_SMS_SDK_APP_ID: str = ""
    TENCENT_SMS_SIGN_NAME: str = ""
    TENCENT_SMS_ENDPOINT: str = "sms.tencentcloudapi.com"
    TENCENT_VOICE_ENDPOINT: str = "vms.tencentcloudapi.com"
    TENCENT_VOICE_SDK_APP_ID: str = ""
    HOTLINE_CALLBACK_SECRET: str = ""  # the secret in every domestic provider's callback URL
    HOTLINE_CALLBACK_ALLOW: str = ""  # addresses or networks callbacks may come from; empty: any
    HOTLINE_SMS_REGISTRY: str = ""  # default sms_templates/registry.yaml
    # Product settings (not part of the environment contract, but overridable the same way).
    HOTLINE_LINKS_ENABLED: bool = True
    HOTLINE_FOLLOWUP_WINDOW_HOURS: int = 2
    HOTLINE_COMMUNITY_DEADLINE_HOURS: int = 24
    HOTLINE_DEPARTMENT_DEADLINE_HOURS: int = 72
    HOTLINE_DEADLINE_POLICY: str = "calendar"  # or "working_days"
    HOTLINE_HOLIDAY_DIR: str = ""  # default data/holidays
    HOTLINE_SMS_SEGMENT_BUDGET: int = 2
    HOTLINE_OUTBOX_MAX_ATTEMPTS: int = 8
    HOTLINE_OUTBOX_LEASE_SECONDS: int = 120
    HOTLINE_SWEEP_TICK_SECONDS: int = 15  # how often the worker holding the lease sweeps
    HOTLINE_SWEEP_LEASE_SECONDS: int = 60  # a dead sweeper's lease lapses after this
    HOTLINE_OFFICE_HOURS: str = "Mon-Fri 08:30-17:30"  # when calls may be put through to staff
    # The street's 580 office: texted about tickets no community answers for (a stranger's ticket
    # without a place, a community without a staff phone). Empty: such alerts reach nobody.
    HOTLINE_OFFICE_PHONE: str = ""
    # A stranger asked where they live has this long to answer before staff are told.
    HOTLINE_PLACE_WAIT_MINUTES: int = 30
    HOTLINE_IVR_FLOWS_DIR: str = ""  # default ivr_flows/
    # Dispatch: offers go to WAVE_SIZE volunteers at a time, each wave open for OFFER_MINUTES
    # (URGENT_OFFER_MINUTES for urgent tickets), at most OFFER_WAVES waves per round.
    HOTLINE_WAVE_SIZE: int = 3
    HOTLINE_OFFER_MINUTES: int = 15
    HOTLINE_URGENT_OFFER_MINUTES: int = 5
    HOTLINE_OFFER_WAVES: int = 3
    HOTLINE_OFFERS_PER_DAY: int = 10  # no volunteer is asked more often than this in a day
    # Which communities count as neighbours for matching: "longxi:jinshan,huilong; ..." (symmetric).
    HOTLINE_COMMUNITY_NEIGHBOURS: str = ""
    HOTLINE_REPEAT_WINDOW_HOURS: int = 48  # same problem reported again: linked, not re-dispatched
    HOTLINE_QUIET_HOURS: str = "21:00-08:00"  # no surveys or survey reminders in this window
    HOTLINE_SURVEY_DELAY_MINUTES: int = 60  # after "resolved", before the survey goes out
    HOTLINE_SURVEY_REMINDER_HOURS: int = 24
    HOTLINE_SURVEY_EXPIRY_HOURS: int = 72  # then recorded as "no answer" and the ticket closes
    HOTLINE_SURVEY_COMMENT_MINUTES: int = 30  # a text this soon after a rating may be its comment
    HOTLINE_SURVEY_CALL_RETRY_MINUTES: int = 30
    HOTLINE_FOLLOWUP_HOURS: int = 24  # return visit (回访) deadline after an unsatisfied answer
    HOTLINE_LINK_TTL_HOURS: int = 168  # a department liaison's /d/ page link
    HOTLINE_SWEEP_BATCH: int = 500  # rows one sweep handles per tick; the next tick does the rest
    # Rated survey answers a community or department needs before it is ranked.
    HOTLINE_RANKING_MIN_SAMPLE: int = 10
    HOTLINE_YEARLY_MIN_SAMPLE: int = 30  # the same, for the yearly ranking
    # A SQLite write that cannot get the write lock this long answers 503 with Retry-After.
    HOTLINE_LOCK_WAIT_SECONDS: float = 10.0
    # A staff session with no request for this long is logged out (a hidden tab stops polling).
    HOTLINE_SESSION_IDLE_MINUTES: int = 30
    # Reverse proxies in front of the app that add X-Forwarded-For/-Proto; 0 ignores both.
    HOTLINE_TRUSTED_PROXIES: int = 0
    # Operating the line: /metrics answers only with this bearer token (empty: no /metrics).
    HOTLINE_METRICS_TOKEN: str = ""
    HOTLINE_LOG_FORMAT: str = "json"  # or "text"
    HOTLINE_LOG_LEVEL: str = "INFO"
    TESTING: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def local_mode(self) -> bool:
        """No provider credentials: outbound messages are recorded, not sent."""
        return not self.TWILIO_ACCOUNT_SID and self.sms_provider == self.voice_provider == "local"

    @property
    def zone(self) -> ZoneInfo:
        """The line's local time zone (deadlines, quiet hours, days and times shown)."""
        return ZoneInfo(self.HOTLINE_TIMEZONE)

    @property
    def sms_provider(self) -> str:
        return self.HOTLINE_SMS_PROVIDER or ("twilio" if self.TWILIO_ACCOUNT_SID else "local")

    @property
    def voice_provider(self) -> str:
        return self.HOTLINE_VOICE_PROVIDER or ("twilio" if self.TWILIO_ACCOUNT_SID else "local")

    @classmethod
    def from_env(cls, instance_path: Path, overrides: dict[str, Any] | None = None) -> Settings:
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name == "extra" or f.name not in os.environ:
                continue
            raw = os.environ[f.name]
            values[f.name] = _coerce(raw, f.type)
        for key, value in (overrides or {}).items():
            values[key] = value
        settings = cls(**{k: v for k, v in values.items() if k in cls.__dataclass_fields__})
        settings.extra = {
            k: v for k, v in (overrides or {}).items() if k not in cls.__dataclass_fields__
        }
        if not settings.DATABASE_URL:
            settings.DATABASE_URL = f"sqlite:///{instance_path / 'hotline.db'}"
        if not settings.SECRET_KEY and settings.local_mode:
            settings.SECRET_KEY = _local_secret(instance_path)
        twilio_chosen = "twilio" in (settings.sms_provider, settings.voice_provider)
        if not settings.TWILIO_AUTH_TOKEN and settings.SECRET_KEY and not twilio_chosen:
            # Local mode still checks signatures: the simulator and `hotline sms` sign with this.
            # With Twilio chosen a missing token is a start-up problem, never a made-up value.
            settings.TWILIO_AUTH_TOKEN = "local-" + settings.SECRET_KEY[:24]
        settings.PUBLIC_BASE_URL = settings.PUBLIC_BASE_URL.rstrip("/")
        return settings


def _coerce(raw: str, kind: Any) -> Any:
    if kind in (bool, "bool"):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if kind in (int, "int"):
        return int(raw)
    if kind in (float, "float"):
        return float(raw)
    return raw


def _local_secret(instance_path: Path) -> str:
    """A per-installation secret kept in the instance folder, so sessions survive restarts."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


_installed: Settings | None = None


def install(settings: Settings) -> None:
    """Make `settings` the process's own (create_app does this), for code outside a request."""
    global _installed
    _installed = settings


def current_settings() -> Settings:
    """The running app's typed settings; domain code reads these, never `current_app.config`.

    Inside an app context it is that app's (a test process may build more than one app); outside
    one, in the worker or a script, the settings the process installed.
    """
    from flask import current_app, has_app_context

    if has_app_context():
        settings: Settings = current_app.config["SETTINGS"]
        return settings
    if _installed is None:
        raise RuntimeError("no settings installed: build the app with create_app() first")
    return _installed
