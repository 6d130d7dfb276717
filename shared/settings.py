"""The one settings mechanism: typed msgspec Structs filled from secrets files, then the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
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
    environment variable ``DATABASE_URL``, else the field default. ``load`` builds a group once per
    process and builds it again only when one of its variables or secret files changed (a rotated
    secret is a new file: Kubernetes swaps the mount's symlink), so callers may load per call.
    """

    env_prefix: ClassVar[str] = ""


S = TypeVar("S", bound=Settings)

# One entry per settings class: the inputs it was built from, and the result.
_BUILT: dict[type, tuple[tuple, Settings]] = {}


def _secret_name(env_name: str) -> str:
    return env_name.lower().replace("_", "-")


@cache
def _sources(cls: type[Settings]) -> tuple[tuple[str, str, str], ...]:
    """(field, environment variable, secret file name) of every field of ``cls``."""
    fields = []
    for field in msgspec.structs.fields(cls):
        env_name = f"{cls.env_prefix}{field.name}".upper()
        fields.append((field.name, env_name, _secret_name(env_name)))
    return tuple(fields)


def _file_stamp(path: str) -> tuple[int, int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_ino, info.st_mtime_ns, info.st_size


def _read_raw(env_name: str, secret_file: Path, environ: Mapping[str, str]) -> str | None:
    try:
        return secret_file.read_text().strip()
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        pass
    return environ.get(env_name)


def build(cls: type[S], environ: Mapping[str, str]) -> S:
    """Read every source now (no cache); raise SettingsError naming what is wrong."""
    secrets_dir = Path(environ.get("SECRETS_DIR", DEFAULT_SECRETS_DIR))
    raw: dict[str, Any] = {}
    for name, env_name, secret_name in _sources(cls):
        value = _read_raw(env_name, secrets_dir / secret_name, environ)
        if value is not None and value != "":
            raw[name] = value
    try:
        return msgspec.convert(raw, cls, strict=False)
    except msgspec.ValidationError as exc:
        # msgspec names the field ("Object missing required field `url`"), not the value.
        raise SettingsError(f"{cls.__name__} ({cls.env_prefix}*): {exc}") from None


def load(cls: type[S], environ: Mapping[str, str] | None = None) -> S:
    """The settings group, built again only when its inputs changed since the last ``load``.

    The inputs are the group's own environment variables (so a test's ``monkeypatch.setenv`` is
    seen at once) and the identity, time and size of each of its secret files: a look at each, no
    read and no copy of the environment. ``environ``: read these instead of ``os.environ``.
    """
    env = os.environ if environ is None else environ
    secrets_dir = env.get("SECRETS_DIR", DEFAULT_SECRETS_DIR)
    sources = _sources(cls)
    inputs = (secrets_dir, tuple(env.get(env_name) for _, env_name, _ in sources),
              tuple(_file_stamp(os.path.join(secrets_dir, secret_name)) for _, _, secret_name in sources))
    built = _BUILT.get(cls)
    if built is not None and built[0] == inputs:
        return built[1]  # type: ignore[return-value]
    settings = build(cls, env)
    _BUILT[cls] = (inputs, settings)
    return settings
