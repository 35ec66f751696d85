"""Staff limited to a street: an office user with a street sees and acts on that street's
communities only (queue, ticket pages, residents, reports), while the district's office sees
both streets."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.auth.accounts import AccountError, create_user
from app.auth.models import StaffRole, StaffUser
from app.auth.scope import community_in_scope, street_of
from app.db import db
from tests.support.district import two_streets
from tests.support.staff import PASSWORD, log_in, post_form, resident, staff, ticket


def queue_codes(client) -> set[str]:
    html = client.get("/dashboard/").get_data(as_text=True)
    return {part.split('"')[0] for part in html.split('data-code="')[1:]}


def found_residents(client, q: str) -> int:
    return client.get(f"/dashboard/residents?q={q}").get_data(as_text=True).count("/residents/")


def test_a_street_office_sees_its_own_street_only(client, ctx, clock):
    district = two_streets()
    ours = ticket(resident("+8613800138000", district.longxi), "洗衣机坏了")
    theirs = ticket(resident("+8613800138001", district.huilong), "楼道灯不亮")
    user = staff("lx-street", StaffRole.office, street_code="longxi-street")
    assert street_of(user) == district.longxi_street.id
    assert community_in_scope(user, district.jinshan.id)
    assert not community_in_scope(user, district.huilong.id)

    log_in(client, "lx-street")
    assert queue_codes(client) == {ours.code}
    assert client.get(f"/dashboard/tickets/{ours.code}").status_code == 200
    assert client.get(f"/dashboard/tickets/{theirs.code}").status_code == 404
    assert found_residents(client, "%2B8613800138001") == 0
    assert found_residents(client, "%2B8613800138000") == 1
    page = client.get("/dashboard/reports?start=2026-11-20&end=2026-11-26").get_data(as_text=True)
    assert '<td class="fig-received">1</td>' in page  # its own street's one request
    assert "街道排名" not in page and "回龙社区" not in page

    staff("district", StaffRole.office)
    log_in(client, "district")
    assert queue_codes(client) == {ours.code, theirs.code}
    page = client.get("/dashboard/reports?start=2026-11-20&end=2026-11-26").get_data(as_text=True)
    assert '<td class="fig-received">2</td>' in page and "街道排名" in page
    street = district.shuanglonghu_street.id
    one = f"/dashboard/reports?start=2026-11-20&end=2026-11-26&street={street}"
    assert '<td class="fig-received">1</td>' in client.get(one).get_data(as_text=True)


def test_only_office_and_admin_users_are_limited_by_a_street(ctx):
    two_streets()
    with pytest.raises(AccountError, match="only office and admin"):
        create_user(db.session, "x", StaffRole.community, PASSWORD, street_code="longxi-street")
    with pytest.raises(AccountError, match="no street 'nowhere'"):
        create_user(db.session, "y", StaffRole.office, PASSWORD, street_code="nowhere")


def test_an_admin_limits_a_new_office_user_to_a_street_on_the_users_page(client, ctx):
    district = two_streets()
    staff("admin")
    log_in(client, "admin")
    page = client.get("/dashboard/admin/users").get_data(as_text=True)
    assert 'name="street"' in page and "双龙湖街道" in page
    form = {
        "username": "sl",
        "role": "office",
        "password": PASSWORD,
        "street": "shuanglonghu-street",
    }
    assert (
        post_form(client, "/dashboard/admin/users", form, "/dashboard/admin/users").status_code
        == 303
    )
    user = db.session.scalar(select(StaffUser).where(StaffUser.username == "sl"))
    assert user.street_id == district.shuanglonghu_street.id
