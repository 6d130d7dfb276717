"""What each role may do; tokens carry the resulting permissions so no function asks the database."""

from __future__ import annotations

from typing import Literal

Role = Literal["owner", "admin", "member"]
Permission = Literal["read", "write", "delete", "admin", "billing"]

ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "owner": ("read", "write", "delete", "admin", "billing"),
    "admin": ("read", "write", "delete", "admin"),
    "member": ("read", "write"),
}


def permissions_for(role: str) -> tuple[str, ...]:
    # An unknown role (e.g. a row written by a newer version) grants nothing rather than failing open.
    return ROLE_PERMISSIONS.get(role, ())
