"""Tests for settings: defaults, validation, forgiving loads, atomic private saves, secret token."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from backend.chat.family import ModelFamily
from backend.chat.messages import Sampling
from backend.errors import InvalidOptionError
from backend.settings import (
    KV_TYPES,
    Language,
    Settings,
    SettingsError,
    Theme,
    load_settings,
    save_settings,
)

TOKEN = "hf_SuperSecretToken123"
SERVER_KEY = "sk-ServerSecretKey456"
CUSTOM = Settings(
    n_ctx=32768, kv_type="q8_0",
    sampling={ModelFamily.R1: Sampling(temperature=0.5, top_p=0.9, top_k=40, min_p=0.05,
                                       repeat_penalty=1.1)},
    cpu_moe_layers=-1, n_threads=12, reasoning_expanded=True,
    models_dirs=("/models", "/mnt/big disk/gguf"), download_dir="/mnt/big disk/hf",
    hf_token=TOKEN, theme=Theme.DARK, language=Language.CHINESE,
    last_model="/models/DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf",
    system_prompt="You are a careful assistant.\n用中文回答。",
    server_enabled=True, server_port=8123, server_api_key=SERVER_KEY, server_lan=True,
    server_cors_origins=("http://localhost:3000",),
    server_save_chats=True,
)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "config" / "settings.json"


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


# --- defaults and validation -------------------------------------------------------------------


def test_defaults() -> None:
    assert dataclasses.asdict(Settings()) == {
        "n_ctx": 8192, "kv_type": "f16", "sampling": {}, "cpu_moe_layers": None,
        "n_threads": None, "reasoning_expanded": False, "models_dirs": (),
        "download_dir": None, "hf_token": None, "theme": "system", "language": "system",
        "last_model": None,
        "welcome_shown": False, "rpc_servers": (), "kv_snapshots": True, "kv_snapshot_gib": None,
        "system_prompt": "",
        "server_enabled": False, "server_port": 8080, "server_api_key": None,
        "server_lan": False, "server_cors_origins": (), "server_save_chats": False,
    }


@pytest.mark.parametrize(("changes", "message"), [
    ({"n_ctx": 255}, "Invalid setting n_ctx: 255 is outside 256–1048576."),
    ({"n_ctx": (1 << 20) + 1}, "Invalid setting n_ctx: 1048577 is outside 256–1048576."),
    ({"n_ctx": True}, "Invalid setting n_ctx: expected a whole number, got True."),
    ({"kv_type": "q3"}, "Invalid setting kv_type: 'q3' is not one of bf16, f16, f32, iq4_nl, "
                        "q4_0, q4_1, q5_0, q5_1, q8_0."),
    ({"cpu_moe_layers": -2}, "Invalid setting cpu_moe_layers: -2 is outside -1–100000."),
    ({"n_threads": 0}, "Invalid setting n_threads: 0 is outside 1–1024."),
    ({"theme": "pink"}, "Invalid setting theme: 'pink' is not one of 'system', 'light', "
                        "'dark'."),
    ({"language": "fr"}, "Invalid setting language: 'fr' is not one of 'system', 'en', "
                         "'zh_CN'."),
    ({"models_dirs": "/models"}, "Invalid setting models_dirs: expected a list of folders, "
                                "got '/models'."),
    ({"download_dir": " "}, "Invalid setting download_dir: expected a non-empty text, got ' '."),
    ({"hf_token": 123}, "Invalid setting hf_token: expected a text."),
    ({"system_prompt": None}, "Invalid setting system_prompt: expected a text, got None."),
    ({"server_port": 0}, "Invalid setting server_port: 0 is outside 1–65535."),
    ({"server_api_key": 5}, "Invalid setting server_api_key: expected a text."),
    ({"server_cors_origins": ["localhost:3000"]},
     "Invalid setting server_cors_origins: 'localhost:3000' is not a web origin such as "
     "http://localhost:3000."),
    ({"sampling": {"deepseek-r1": {"temperature": 9.0}}},
     "Invalid setting sampling: temperature 9.0 is outside 0.0–5.0."),
    ({"sampling": {"gpt": Sampling()}},
     "Invalid setting sampling: 'gpt' is not one of 'deepseek-r1', 'deepseek-r1-distill', "
     "'deepseek-v3', 'deepseek-v3.1', 'deepseek-v3.2', 'deepseek-v4', 'other'."),
])
def test_a_bad_value_is_refused_with_a_message(changes: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidOptionError) as info:
        Settings(**changes)  # type: ignore[arg-type]
    assert str(info.value) == message
    assert TOKEN not in message


def test_values_are_normalised_on_construction() -> None:
    as_json: dict[str, Any] = {"theme": "dark", "language": "zh_CN", "models_dirs": ["/a", "/b"],
                               "hf_token": "  ", "sampling": {"deepseek-v3": {"temperature": 0.1}}}
    settings = Settings(**as_json)
    assert settings.theme is Theme.DARK and settings.language is Language.CHINESE
    assert settings.models_dirs == ("/a", "/b")
    assert settings.hf_token is None
    assert settings.sampling == {ModelFamily.V3: Sampling(temperature=0.1, top_p=1.0)}


def test_replace_validates_too() -> None:
    assert dataclasses.replace(Settings(), n_ctx=16384).n_ctx == 16384
    with pytest.raises(InvalidOptionError):
        dataclasses.replace(Settings(), n_ctx=1)


def test_sampling_uses_the_override_or_deepseeks_recommendation() -> None:
    assert CUSTOM.sampling_for(ModelFamily.R1) == Sampling(0.5, 0.9, 40, 0.05, 1.1)
    assert CUSTOM.sampling_for(ModelFamily.V3) == Sampling(temperature=0.3, top_p=1.0)
    assert CUSTOM.sampling_for(ModelFamily.R1_DISTILL) == Sampling(temperature=0.6, top_p=0.95)
    changed = CUSTOM.with_sampling(ModelFamily.V3, Sampling(temperature=0.2))
    assert changed.sampling_for(ModelFamily.V3) == Sampling(temperature=0.2)
    assert changed.with_sampling(ModelFamily.V3, None).sampling == CUSTOM.sampling
    with pytest.raises(TypeError):
        CUSTOM.sampling[ModelFamily.V3] = Sampling()  # type: ignore[index]
    assert hash(CUSTOM) == hash(dataclasses.replace(CUSTOM))  # frozen all the way down


def test_the_token_never_shows_in_repr_str_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    logging.getLogger("test").info("settings: %s / %r", CUSTOM, CUSTOM)
    for text in (repr(CUSTOM), str(CUSTOM), f"{CUSTOM}", caplog.text):
        assert TOKEN not in text and SERVER_KEY not in text
    assert "hf_token='***'" in repr(CUSTOM) and "server_api_key='***'" in repr(CUSTOM)
    assert "hf_token=None" in repr(Settings())
    assert repr(Settings()) == (
        "Settings(n_ctx=8192, kv_type='f16', sampling={}, cpu_moe_layers=None, n_threads=None, "
        "reasoning_expanded=False, models_dirs=(), download_dir=None, hf_token=None, "
        "theme=<Theme.SYSTEM: 'system'>, language=<Language.SYSTEM: 'system'>, last_model=None, welcome_shown=False, "
        "rpc_servers=(), kv_snapshots=True, kv_snapshot_gib=None, system_prompt='', "
        "server_enabled=False, server_port=8080, server_api_key=None, "
        "server_lan=False, server_cors_origins=(), server_save_chats=False)"
    )


# --- saving and loading ------------------------------------------------------------------------


def test_a_missing_file_gives_the_defaults(path: Path) -> None:
    assert load_settings(path) == Settings()
    assert not path.exists()


def test_saved_settings_round_trip_in_a_readable_file(path: Path) -> None:
    save_settings(CUSTOM, path)
    assert load_settings(path) == CUSTOM
    assert path.read_text(encoding="utf-8") == """\
{
  "version": 1,
  "n_ctx": 32768,
  "kv_type": "q8_0",
  "sampling": {
    "deepseek-r1": {
      "temperature": 0.5,
      "top_p": 0.9,
      "top_k": 40,
      "min_p": 0.05,
      "repeat_penalty": 1.1
    }
  },
  "cpu_moe_layers": -1,
  "n_threads": 12,
  "reasoning_expanded": true,
  "models_dirs": [
    "/models",
    "/mnt/big disk/gguf"
  ],
  "download_dir": "/mnt/big disk/hf",
  "hf_token": "hf_SuperSecretToken123",
  "theme": "dark",
  "language": "zh_CN",
  "last_model": "/models/DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf",
  "welcome_shown": false,
  "rpc_servers": [],
  "kv_snapshots": true,
  "kv_snapshot_gib": null,
  "system_prompt": "You are a careful assistant.\\n用中文回答。",
  "server_enabled": true,
  "server_port": 8123,
  "server_api_key": "sk-ServerSecretKey456",
  "server_lan": true,
  "server_cors_origins": [
    "http://localhost:3000"
  ],
  "server_save_chats": true
}
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_the_file_is_private_even_when_it_was_not(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_text("{}")
    path.chmod(0o644)
    save_settings(CUSTOM, path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["settings.json"]  # no temp left


def test_a_failed_save_says_why_and_leaves_no_temp_file(path: Path) -> None:
    path.mkdir(parents=True)  # a folder where the file should go: os.replace fails
    with pytest.raises(SettingsError) as info:
        save_settings(CUSTOM, path)
    assert str(info.value) == (
        f"Could not save the settings to {path} (Is a directory). Check that the folder is "
        "writable and the disk is not full."
    )
    assert sorted(p.name for p in path.parent.iterdir()) == ["settings.json"]


@pytest.mark.parametrize("content", ['{"n_ctx": 4096,', "[1, 2]", "\xff\xfe garbage", ""])
def test_a_corrupt_file_is_kept_aside_and_the_defaults_used(
    path: Path, content: str, caplog: pytest.LogCaptureFixture
) -> None:
    path.parent.mkdir(parents=True)
    path.write_bytes(content.encode("latin-1"))
    assert load_settings(path) == Settings()
    assert not path.exists()
    assert (path.parent / "settings.json.bad").read_bytes() == content.encode("latin-1")
    (warning,) = warnings_of(caplog)
    assert warning.startswith(f"{path} is damaged (")
    assert warning.endswith("); kept as settings.json.bad, using the defaults")


def test_an_unreadable_file_gives_the_defaults(path: Path,
                                               caplog: pytest.LogCaptureFixture) -> None:
    path.mkdir(parents=True)
    assert load_settings(path) == Settings()
    assert warnings_of(caplog) == [f"{path} is unreadable (Is a directory); using the defaults"]


def test_unknown_keys_are_ignored(path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"version": 1, "n_ctx": 2048, "remote_connections": [],
                                "future_option": {"x": 1}}))
    assert load_settings(path) == Settings(n_ctx=2048)
    assert warnings_of(caplog) == []


def test_each_bad_value_falls_back_alone_with_a_warning_naming_the_key(
    path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({
        "version": 1, "n_ctx": 100, "kv_type": "q8_0", "cpu_moe_layers": "all",
        "n_threads": 8, "reasoning_expanded": "yes", "theme": "light",
        "hf_token": ["hf_LeakedIfPrinted999"], "models_dirs": ["/ok", 3],
        "sampling": {"deepseek-r1": {"temperature": 0.8, "warmth": 1}},
    }))
    assert load_settings(path) == Settings(kv_type="q8_0", n_threads=8, theme=Theme.LIGHT)
    assert warnings_of(caplog) == [
        "settings: n_ctx ignored (100 is outside 256–1048576); using the default",
        "settings: sampling ignored (deepseek-r1: unknown sampler setting 'warmth'); "
        "using the default",
        "settings: cpu_moe_layers ignored (expected a whole number, got 'all'); "
        "using the default",
        "settings: reasoning_expanded ignored (expected true or false, got 'yes'); "
        "using the default",
        "settings: models_dirs ignored (expected a non-empty text, got 3); using the default",
        "settings: hf_token ignored (expected a text); using the default",
    ]
    assert "LeakedIfPrinted" not in caplog.text


def test_a_partial_sampling_entry_keeps_the_recommended_rest(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"sampling": {"deepseek-v3": {"temperature": 0.1},
                                             "deepseek-r1": {"top_k": 20}}}))
    loaded = load_settings(path)
    assert loaded.sampling_for(ModelFamily.V3) == Sampling(temperature=0.1, top_p=1.0)
    assert loaded.sampling_for(ModelFamily.R1) == Sampling(temperature=0.6, top_p=0.95, top_k=20)


def test_a_file_from_a_newer_version_is_read_for_what_is_known(
    path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"version": 5, "n_ctx": 4096, "new_thing": True}))
    assert load_settings(path) == Settings(n_ctx=4096)
    assert warnings_of(caplog) == [
        f"{path} was written by a newer version of the app (version 5; this one writes 1): "
        "reading what is known, the file is kept as settings.json.v5"]
    save_settings(Settings(n_ctx=2048), path)  # this version's own file...
    kept = json.loads((path.parent / "settings.json.v5").read_text())
    assert kept["new_thing"] is True  # ...never loses what the newer one wrote


_samplings = st.builds(
    Sampling,
    temperature=st.floats(0.0, 5.0), top_p=st.floats(0.0, 1.0), top_k=st.integers(0, 200),
    min_p=st.floats(0.0, 1.0), repeat_penalty=st.floats(0.5, 5.0),
)
_names = st.text(min_size=1, max_size=12).filter(str.strip)


@hypothesis_settings(max_examples=60, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.builds(
    Settings,
    n_ctx=st.integers(256, 1 << 20), kv_type=st.sampled_from(sorted(KV_TYPES)),
    sampling=st.dictionaries(st.sampled_from(list(ModelFamily)), _samplings, max_size=3),
    cpu_moe_layers=st.none() | st.integers(-1, 100), n_threads=st.none() | st.integers(1, 256),
    reasoning_expanded=st.booleans(), models_dirs=st.lists(_names, max_size=3).map(tuple),
    download_dir=st.none() | _names, hf_token=st.none() | _names.map(str.strip),
    theme=st.sampled_from(list(Theme)), language=st.sampled_from(list(Language)),
    last_model=st.none() | _names, system_prompt=st.text(max_size=40),
    server_enabled=st.booleans(),
    server_port=st.integers(1, 65535), server_api_key=st.none() | _names.map(str.strip),
    server_lan=st.booleans(),
    server_cors_origins=st.lists(st.sampled_from(["http://localhost:3000", "https://a.b", "*"]),
                                 max_size=2).map(tuple),
    server_save_chats=st.booleans(),
))
def test_any_valid_settings_round_trip(path: Path, settings: Settings) -> None:
    save_settings(settings, path)
    assert load_settings(path) == settings
    if os.name == "posix":
        assert path.stat().st_mode & 0o777 == 0o600
