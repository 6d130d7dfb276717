"""The one settings mechanism: typed msgspec Structs filled from secrets files, then the environment."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import msgspec

DEFAULT_SECRETS_DIR = "/var/openfaas/secrets"


class SettingsError(RuntimeError):
    """A required setting is missing or malformed; the message names it, never its value."""


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Base for one group of settings.

    Field ``url`` of a group with ``env_prefix = "DATABASE_"`` comes from the secret file
    ``<SECRETS_DIR>/database-url`` if present (OpenFaaS mounts secrets there), else from the
    environment variable ``DATABASE_URL``, else the field default. Secrets are read on every
    ``load`` so a rotated secret takes effect for whatever loads settings again.
    """

    env_prefix: ClassVar[str] = ""


S = TypeVar("S", bound=Settings)


def _secret_name(env_name: str) -> str:
    return env_name.lower().replace("_", "-")


def _read_raw(env_name: str, environ: dict[str, str], secrets_dir: Path) -> str | None:
    secret_file = secrets_dir / _secret_name(env_name)
    try:
        return secret_file.read_text().strip()
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        pass
    return environ.get(env_name)


def load(cls: type[S], environ: dict[str, str] | None = None) -> S:
    """Build a settings group from secrets and environment; raise SettingsError naming what is wrong."""
    environ = dict(os.environ) if environ is None else environ
    secrets_dir = Path(environ.get("SECRETS_DIR", DEFAULT_SECRETS_DIR))
    raw: dict[str, Any] = {}
    for field in msgspec.structs.fields(cls):
        env_name = f"{cls.env_prefix}{field.name}".upper()
        value = _read_raw(env_name, environ, secrets_dir)
        if value is not None and value != "":
            raw[field.name] = value
    try:
        return msgspec.convert(raw, cls, strict=False)
    except msgspec.ValidationError as exc:
        # msgspec names the field ("Object missing required field `url`"), not the value.
        raise SettingsError(f"{cls.__name__} ({cls.env_prefix}*): {exc}") from None
