"""The line refuses to start with a broken flow; `hotline ivr check`; the duty roster."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from app import create_app
from app.cli import build_cli
from app.db import db
from app.imports.csvfile import RowError
from app.ivr.flows import FlowError
from app.voice.roster import import_roster, office_hours, on_duty, read_roster, set_shift
from app.voice.setup import DEFAULT_FLOWS_DIR

WEDNESDAY_10 = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # 10:00 in Chongqing
SATURDAY_10 = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
TZ = "Asia/Shanghai"


@pytest.fixture
def broken_flows(tmp_path: Path) -> Path:
    shutil.copytree(DEFAULT_FLOWS_DIR, tmp_path / "flows")
    intake = tmp_path / "flows" / "intake.yaml"
    intake.write_text(intake.read_text().replace("next: say_code", "next: say_the_code"))
    return tmp_path / "flows"


def _app(tmp_path: Path, **config: str):
    return create_app(
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "SECRET_KEY": "k", **config}
    )


def test_create_app_refuses_a_broken_flow_with_the_reason(tmp_path, broken_flows):
    with pytest.raises(FlowError) as caught:
        _app(tmp_path, HOTLINE_IVR_FLOWS_DIR=str(broken_flows))
    message = str(caught.value)
    assert "hotline ivr check" in message
    assert "'say_the_code' does not exist" in message and "intake.yaml" in message


def test_create_app_needs_an_intake_flow(tmp_path):
    flows = tmp_path / "flows"
    flows.mkdir()
    shutil.copy(DEFAULT_FLOWS_DIR / "survey.yaml", flows)
    with pytest.raises(FlowError, match=r"intake\.yaml is missing"):
        _app(tmp_path, HOTLINE_IVR_FLOWS_DIR=str(flows))


def test_create_app_refuses_unreadable_office_hours(tmp_path):
    with pytest.raises(ValueError, match="HOTLINE_OFFICE_HOURS"):
        _app(tmp_path, HOTLINE_OFFICE_HOURS="whenever we feel like it")


def test_ivr_check_reports_problems_and_fails(broken_flows, monkeypatch):
    monkeypatch.setenv("HOTLINE_IVR_FLOWS_DIR", str(broken_flows))
    result = CliRunner().invoke(build_cli(), ["ivr", "check"])
    assert result.exit_code == 1
    assert "'say_the_code' does not exist" in result.output
    assert "problem(s)" in result.output


def test_ivr_check_passes_the_shipped_flows():
    result = CliRunner().invoke(build_cli(), ["ivr", "check", "--dir", str(DEFAULT_FLOWS_DIR)])
    assert result.exit_code == 0, result.output
    assert "every flow is valid" in result.output


def test_on_duty_follows_each_persons_weekly_hours(ctx):
    set_shift(db.session, "张主任", "13900139000", "Mon-Fri 08:30-12:00", "CN")
    set_shift(db.session, "刘干事", "139 0013 9001", "Mon-Fri 12:00-17:30; Sat 09:00-12:00", "CN")
    assert [s.name for s in on_duty(db.session, WEDNESDAY_10, TZ)] == ["张主任"]
    assert [s.phone for s in on_duty(db.session, SATURDAY_10, TZ)] == ["+8613900139001"]
    office = office_hours("Mon-Fri 08:30-17:30")
    roster = read_roster(db.session)
    assert roster.available(office, SATURDAY_10, TZ) == ()  # office shut at weekends
    assert roster.available(office, WEDNESDAY_10, TZ) == ("+8613900139000",)
    assert not set_shift(db.session, "张主任", "+8613900139000", "Mon 09:00-10:00", "CN")


@pytest.mark.parametrize(
    ("phone", "hours"), [("110", "Mon 09:00-10:00"), ("13900139000", "Mon 25:00-26:00")]
)
def test_a_bad_roster_row_is_refused_with_the_reason(ctx, phone, hours):
    with pytest.raises(RowError):
        set_shift(db.session, "x", phone, hours, "CN")


def test_the_roster_file_imports_all_or_nothing(ctx, tmp_path):
    path = tmp_path / "duty.csv"
    path.write_text("name,phone,hours\n张主任,13900139000,Mon-Fri 08:30-12:00\n坏,abc,Mon 9-10\n")
    report = import_roster(db.session, path, "CN")
    assert not report.ok and [line for line, _ in report.errors] == [3]


def test_demo_data_puts_staff_on_duty_in_office_hours(ctx):
    from app.demo import seed

    lines = list(seed(db.session))
    assert "demo duty: 3 created, 0 updated" in lines
    assert len(on_duty(db.session, WEDNESDAY_10, TZ)) == 2
