"""The one settings mechanism: secret files first, then environment, then defaults."""

from __future__ import annotations

from typing import ClassVar

import pytest

from shared.settings import Settings, SettingsError, load


class ExampleSettings(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "EXAMPLE_"
    url: str
    pool_size: int = 5
    secure: bool = False


def test_environment_values_are_converted_to_field_types(tmp_path):
    env = {"SECRETS_DIR": str(tmp_path), "EXAMPLE_URL": "postgresql://h/db",
           "EXAMPLE_POOL_SIZE": "12", "EXAMPLE_SECURE": "true"}
    assert load(ExampleSettings, env) == ExampleSettings(url="postgresql://h/db", pool_size=12, secure=True)


def test_secret_file_wins_over_environment_and_is_reread_after_rotation(tmp_path):
    env = {"SECRETS_DIR": str(tmp_path), "EXAMPLE_URL": "from-env"}
    (tmp_path / "example-url").write_text("from-secret\n")
    assert load(ExampleSettings, env).url == "from-secret"
    (tmp_path / "example-url").write_text("rotated")
    assert load(ExampleSettings, env).url == "rotated"


def test_missing_or_malformed_values_name_the_field_not_the_value(tmp_path):
    with pytest.raises(SettingsError, match="url"):
        load(ExampleSettings, {"SECRETS_DIR": str(tmp_path)})
    with pytest.raises(SettingsError, match="pool_size") as caught:
        load(ExampleSettings, {"SECRETS_DIR": str(tmp_path), "EXAMPLE_URL": "x",
                               "EXAMPLE_POOL_SIZE": "s3cr3t-not-a-number"})
    assert "s3cr3t" not in str(caught.value)


def test_empty_values_fall_back_to_defaults(tmp_path):
    env = {"SECRETS_DIR": str(tmp_path), "EXAMPLE_URL": "x", "EXAMPLE_POOL_SIZE": ""}
    assert load(ExampleSettings, env).pool_size == 5


def test_a_group_is_built_once_while_nothing_changes(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRETS_DIR", str(tmp_path))
    monkeypatch.setenv("EXAMPLE_URL", "from-env")
    (tmp_path / "example-pool-size").write_text("9")
    first = load(ExampleSettings)
    assert (first.url, first.pool_size) == ("from-env", 9)
    # The same object: nothing was read or converted again (a rebuild makes a new, equal one).
    assert load(ExampleSettings) is first
    assert load(ExampleSettings) is first


def test_a_changed_variable_is_seen_at_once(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRETS_DIR", str(tmp_path))
    monkeypatch.setenv("EXAMPLE_URL", "one")
    assert load(ExampleSettings).url == "one"
    monkeypatch.setenv("EXAMPLE_POOL_SIZE", "7")
    assert load(ExampleSettings).pool_size == 7
    monkeypatch.delenv("EXAMPLE_POOL_SIZE")
    assert load(ExampleSettings).pool_size == 5


def test_a_rotated_secret_is_read_again(tmp_path, monkeypatch):
    # Kubernetes mounts each secret as a symlink into a ..data folder it swaps on rotation.
    monkeypatch.setenv("SECRETS_DIR", str(tmp_path))
    monkeypatch.delenv("EXAMPLE_URL", raising=False)
    (tmp_path / "v1").mkdir()
    (tmp_path / "v1" / "example-url").write_text("first")
    (tmp_path / "example-url").symlink_to(tmp_path / "v1" / "example-url")
    assert load(ExampleSettings).url == "first"
    (tmp_path / "v2").mkdir()
    (tmp_path / "v2" / "example-url").write_text("second")
    (tmp_path / "next").symlink_to(tmp_path / "v2" / "example-url")
    (tmp_path / "next").replace(tmp_path / "example-url")
    assert load(ExampleSettings).url == "second"
    (tmp_path / "example-url").unlink()
    with pytest.raises(SettingsError, match="url"):
        load(ExampleSettings)
