"""Settings from PHOTOCHECK_* variables and key files; the server refuses to start without keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from photocheck.service import app, create_app
from photocheck.service.settings import ConfigError, Settings
from tests.service.fakes import FakeValidator, make_settings


def test_refuses_to_start_without_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="PHOTOCHECK_API_KEYS"):
        create_app(Settings(api_keys="", auth="enabled"))
    # the module-level app imports fine and refuses at start-up instead
    for name in ("PHOTOCHECK_API_KEYS", "PHOTOCHECK_API_KEYS_FILE", "PHOTOCHECK_AUTH"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match="PHOTOCHECK_AUTH=disabled"), TestClient(app):
        pass


def test_refuses_to_start_with_a_default_profile_it_does_not_serve() -> None:
    served = create_app(make_settings(default_profile="booth"),
                        validators={"online": FakeValidator()})
    with pytest.raises(ConfigError, match="'booth' is not served; served profiles: online"), \
            TestClient(served):
        pass


def test_keys_from_env_and_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    keyfile = tmp_path / "keys.txt"
    keyfile.write_text("# booth keys\nfile-key-1\n\n  file-key-2  # shop 2\nenv-key\n")
    monkeypatch.setenv("PHOTOCHECK_API_KEYS", "env-key, other-env-key")
    monkeypatch.setenv("PHOTOCHECK_API_KEYS_FILE", str(keyfile))
    monkeypatch.setenv("PHOTOCHECK_WORKERS", "3")
    monkeypatch.setenv("PHOTOCHECK_MAX_BODY_BYTES", "12345")
    conf = Settings()
    assert conf.keys() == ("env-key", "other-env-key", "file-key-1", "file-key-2")
    assert (conf.workers, conf.queue_length, conf.max_body_bytes) == (3, 12, 12345)
    missing = Settings(api_keys_file=tmp_path / "absent.txt")
    with pytest.raises(ConfigError, match="cannot read"):
        missing.keys()


def test_profile_names_keep_order_and_drop_repeats() -> None:
    conf = Settings(profiles=" mail, online ,,mail")
    assert conf.profile_names() == ("mail", "online")
