"""An admin limited to a street manages the accounts inside that street only: its office and
admin users, its communities' staff and its departments' liaisons. It neither sees nor
creates, edits, resets or disables any other account, and cannot move one out of its street;
a district admin (no street) manages every account."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.auth.accounts import AccountError, create_user
from app.auth.models import StaffRole, StaffUser
from app.db import db
from tests.support.district import two_streets
from tests.support.staff import PASSWORD, log_in, post_form, staff

USERS = "/dashboard/admin/users"


def account(username: str) -> StaffUser:
    user = db.session.scalar(select(StaffUser).where(StaffUser.username == username))
    assert user is not None
    db.session.refresh(user)
    return user


@pytest.fixture
def district(ctx):
    """Two streets' staff, and the admin of 龙溪街道 logged in."""
    found = two_streets()
    staff("district-admin")
    staff("lx-admin", street_code="longxi-street")
    staff("lx-office", StaffRole.office, street_code="longxi-street")
    staff("sl-office", StaffRole.office, street_code="shuanglonghu-street")
    staff("district-office", StaffRole.office)
    staff("jinshan-staff", StaffRole.community, community_code="jinshan")
    staff("huilong-staff", StaffRole.community, community_code="huilong")
    staff("civil-liaison", StaffRole.liaison, department_code="civil")
    return found


def usernames(client) -> set[str]:
    html = client.get(USERS).get_data(as_text=True)
    return {part.split(">", 1)[1].split("<", 1)[0] for part in html.split(f'href="{USERS}/')[1:]}


def test_a_street_admin_lists_and_offers_its_own_street_only(client, district):
    log_in(client, "lx-admin")
    assert usernames(client) == {
        "lx-admin",
        "lx-office",
        "jinshan-staff",
        "civil-liaison",
    }
    page = client.get(USERS).get_data(as_text=True)
    assert "金山社区" in page and "回龙社区" not in page
    assert "双龙湖街道" not in page and "全区" not in page  # no district-wide choice

    log_in(client, "district-admin")
    assert len(usernames(client)) == 8
    assert "全区" in client.get(USERS).get_data(as_text=True)


def test_a_street_admin_cannot_reach_another_streets_account(client, district):
    log_in(client, "lx-admin")
    theirs = account("huilong-staff")
    page = f"{USERS}/{theirs.id}"
    assert client.get(page).status_code == 404
    assert client.get(f"{USERS}/{account('district-office').id}").status_code == 404
    own = f"{USERS}/{account('jinshan-staff').id}"
    for change, form in (
        ("password", {"password": "a new long password"}),
        ("disable", {}),
        ("role", {"role": "community", "community": "jinshan"}),
    ):
        assert post_form(client, f"{page}/{change}", form, own).status_code == 404
    after = account("huilong-staff")
    assert after.active and after.community_id == district.huilong.id
    assert log_in(client, "huilong-staff").status_code == 302  # the password is unchanged


def test_a_street_admin_manages_the_accounts_of_its_street(client, district):
    log_in(client, "lx-admin")
    own = f"{USERS}/{account('jinshan-staff').id}"
    post_form(client, f"{own}/password", {"password": "a new long password"}, own)
    post_form(client, f"{own}/disable", {}, own)
    assert not account("jinshan-staff").active
    post_form(client, f"{own}/role", {"role": "community", "community": "longxi"}, own)
    assert account("jinshan-staff").community_id == district.longxi.id


def test_a_street_admin_cannot_move_an_account_out_of_its_street(client, district):
    log_in(client, "lx-admin")
    own = f"{USERS}/{account('jinshan-staff').id}"
    for form in (
        {"role": "office", "street": ""},  # district-wide office
        {"role": "community", "community": "huilong"},  # another street's community
        {"role": "office", "street": "shuanglonghu-street"},
    ):
        assert post_form(client, f"{own}/role", form, own).status_code == 303
        assert "街道管理员只能管理本街道的账号" in client.get(own).get_data(as_text=True)
        unchanged = account("jinshan-staff")
        assert (unchanged.role, unchanged.community_id) == (
            StaffRole.community,
            district.jinshan.id,
        )
    post_form(client, f"{own}/role", {"role": "office", "street": "longxi-street"}, own)
    moved = account("jinshan-staff")
    assert (moved.role, moved.street_id) == (StaffRole.office, district.longxi_street.id)


@pytest.mark.parametrize(
    ("form", "made"),
    [
        ({"role": "community", "community": "jinshan"}, True),
        ({"role": "liaison", "department": "civil"}, True),
        ({"role": "office", "street": "longxi-street"}, True),
        ({"role": "admin", "street": "longxi-street"}, True),
        ({"role": "community", "community": "huilong"}, False),
        ({"role": "office", "street": ""}, False),
        ({"role": "admin", "street": ""}, False),
        ({"role": "office", "street": "shuanglonghu-street"}, False),
    ],
)
def test_a_street_admin_creates_accounts_inside_its_street_only(client, district, form, made):
    log_in(client, "lx-admin")
    post_form(client, USERS, {"username": "new", "password": PASSWORD, **form}, USERS)
    created = db.session.scalar(select(StaffUser).where(StaffUser.username == "new"))
    assert (created is not None) is made


def test_the_district_admin_manages_every_street(client, district):
    log_in(client, "district-admin")
    theirs = f"{USERS}/{account('huilong-staff').id}"
    post_form(client, f"{theirs}/disable", {}, theirs)
    assert not account("huilong-staff").active
    form = {"username": "sl-new", "password": PASSWORD, "role": "office", "street": ""}
    post_form(client, USERS, form, USERS)
    assert account("sl-new").street_id is None


def test_street_office_users_do_not_manage_accounts(client, district):
    log_in(client, "lx-office")
    assert client.get(USERS).status_code == 403


def test_the_console_operator_creates_any_account(district):
    """`hotline staff add` runs as the installation's operator (no acting user)."""
    made = create_user(db.session, "cli", StaffRole.community, PASSWORD, community_code="huilong")
    assert made.community_id == district.huilong.id
    with pytest.raises(AccountError, match="that street only"):
        create_user(
            db.session,
            "street-made",
            StaffRole.community,
            PASSWORD,
            community_code="huilong",
            by=account("lx-admin"),
        )
