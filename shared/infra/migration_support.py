"""What raw SQL migrations share: the runtime role they grant to, and running a script."""

from __future__ import annotations

from typing import ClassVar

from shared.infra.postgres import execute_script
from shared.settings import Settings, load

__all__ = ["app_role", "execute_script"]


class MigrationRoles(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "DATABASE_"
    app_role: str = "bokai_app"


def app_role() -> str:
    """The runtime role (NOSUPERUSER, NOBYPASSRLS) that migrations grant row access to."""
    role = load(MigrationRoles).app_role
    if not role.replace("_", "").isalnum():
        raise ValueError("DATABASE_APP_ROLE must be a plain identifier")
    return role
