"""What an admin changes on a staff account: its role and place, its password, on or off.

Every change that takes rights away (a new role or place, a new password, disabling) ends the
sessions the user has open: their cookies carry the old `session_version`. An admin limited to
a street (`by`) changes only the accounts inside it, and cannot move one out of it.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.accounts import AccountError, require_reach, set_password
from app.auth.models import StaffRole, StaffUser
from app.communities.models import Community, Department, Street

_Place = TypeVar("_Place", Community, Department, Street)
_MISSING = {
    Community: "account_no_community",
    Department: "account_no_department",
    Street: "account_no_street",
}


def change_role(
    session: Session,
    user: StaffUser,
    role: StaffRole,
    community_code: str | None,
    department_code: str | None,
    street_code: str | None,
    by: StaffUser | None,
) -> None:
    """A new role, community, department and street, checked as at creation."""
    require_reach(session, by, user)
    community = _by_code(session, Community, community_code)
    department = _by_code(session, Department, department_code)
    street = _by_code(session, Street, street_code)
    if street is not None and role not in (StaffRole.office, StaffRole.admin):
        raise AccountError("account_street_role")
    if role is StaffRole.community and community is None:
        raise AccountError("account_needs_community")
    if role is StaffRole.liaison and department is None:
        raise AccountError("account_needs_department")
    if role is not StaffRole.admin and _last_admin(session, user):
        raise AccountError("account_last_admin_role")
    before = (user.role, user.community_id, user.department_id, user.street_id)
    user.role, user.community, user.department, user.street = role, community, department, street
    session.flush()
    require_reach(session, by, user)
    if before != (user.role, user.community_id, user.department_id, user.street_id):
        user.session_version += 1
    session.flush()


def reset_password(session: Session, user: StaffUser, password: str, by: StaffUser | None) -> None:
    require_reach(session, by, user)
    set_password(user, password)  # checks the length; ends the user's sessions
    session.flush()


def set_enabled(session: Session, user: StaffUser, enabled: bool, by: StaffUser) -> None:
    """Turn an account on or off; nobody disables their own account (or the last admin)."""
    require_reach(session, by, user)
    if not enabled and user.id == by.id:
        raise AccountError("account_disable_self")
    if not enabled and _last_admin(session, user):
        raise AccountError("account_last_admin_disable")
    if user.active and not enabled:
        user.session_version += 1
    user.active = enabled
    session.flush()


def _by_code(session: Session, model: type[_Place], code: str | None) -> _Place | None:
    if not code:
        return None
    found = session.scalar(select(model).where(model.code == code))
    if found is None:
        raise AccountError(_MISSING[model], code=code)
    return found


def _last_admin(session: Session, user: StaffUser) -> bool:
    if user.role is not StaffRole.admin or not user.active:
        return False
    admins = session.scalars(
        select(StaffUser.id).where(StaffUser.role == StaffRole.admin, StaffUser.active)
    )
    return set(admins) <= {user.id}
