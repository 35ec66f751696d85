"""What an admin changes on a staff account: its role and place, its password, on or off.

Every change that takes rights away (a new role or place, a new password, disabling) ends the
sessions the user has open: their cookies carry the old `session_version`.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.accounts import AccountError, set_password, street_for
from app.auth.models import StaffRole, StaffUser
from app.communities.models import Community, Department

_Place = TypeVar("_Place", Community, Department)
_MISSING = {Community: "account_no_community", Department: "account_no_department"}


def change_role(
    session: Session,
    user: StaffUser,
    role: StaffRole,
    community_code: str | None,
    department_code: str | None,
    street_code: str | None = None,
) -> None:
    """A new role, community, department and street, checked as at creation."""
    community = _by_code(session, Community, community_code)
    department = _by_code(session, Department, department_code)
    street = street_for(session, role, street_code)
    if role is StaffRole.community and community is None:
        raise AccountError("account_needs_community")
    if role is StaffRole.liaison and department is None:
        raise AccountError("account_needs_department")
    if role is not StaffRole.admin and _last_admin(session, user):
        raise AccountError("account_last_admin_role")
    changed = (user.role, user.community_id, user.department_id, user.street_id) != (
        role,
        community.id if community else None,
        department.id if department else None,
        street.id if street else None,
    )
    user.role, user.community, user.department = role, community, department
    user.street = street
    if changed:
        user.session_version += 1
    session.flush()


def reset_password(session: Session, user: StaffUser, password: str) -> None:
    set_password(user, password)  # checks the length; ends the user's sessions
    session.flush()


def set_enabled(session: Session, user: StaffUser, enabled: bool, by: StaffUser) -> None:
    """Turn an account on or off; nobody disables their own account (or the last admin)."""
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
