"""Remote connections: validation, the private JSON file, keys that never show."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

import pytest

from backend.chat.messages import LOCAL_ENGINE, EngineRef
from backend.errors import InvalidOptionError
from backend.remote.connections import (
    Connection,
    ThinkingControl,
    load_connections,
    mask_key,
    save_connections,
)

KEY = "sk-0123456789abcdef0123"


def deepseek() -> Connection:
    return Connection.new("DeepSeek API", "https://api.deepseek.com", "deepseek-v4-flash",
                          api_key=KEY, thinking=ThinkingControl.API_SWITCH)


def paired() -> Connection:
    return Connection.new("Box", "http://box:8000/v1", "box-chat", api_key=KEY,
                          thinking=ThinkingControl.MODEL_PAIR, thinking_model="box-reasoner")


def test_labels_models_and_engine_ids() -> None:
    c = paired()
    assert c.label == "Box · box-chat / box-reasoner"
    assert (c.model_for(False), c.model_for(True)) == ("box-chat", "box-reasoner")
    api = deepseek()
    assert api.label == "DeepSeek API · deepseek-v4-flash"
    assert api.model_for(True) == api.model_for(False) == "deepseek-v4-flash"
    assert api.effort_levels == ("high", "max") and c.effort_levels == ()
    assert str(c.engine) == f"remote:{c.id}" and EngineRef.parse(str(c.engine)) == c.engine
    assert EngineRef.parse("local").is_local and str(LOCAL_ENGINE) == "local"
    v31 = Connection.new("vLLM", "http://gpu-box:8000/v1", "deepseek-ai/DeepSeek-V3.1")
    assert v31.model_for(True) == v31.model and v31.thinking is ThinkingControl.TEMPLATE


def test_the_key_is_masked_everywhere_it_could_show() -> None:
    c = deepseek()
    assert mask_key(KEY) == "sk-…0123" == c.masked_key()
    assert mask_key("short") == "••••••••" and mask_key(None) == ""
    assert KEY not in repr(c) and "sk-…0123" in repr(c)


@pytest.mark.parametrize(("changes", "message"), [
    ({"name": " "}, "A connection needs a name."),
    ({"base_url": "localhost:8000"}, ("'localhost:8000' is not a server address: it must start "
                                      "with http:// or https:// and name a host, e.g. "
                                      "http://127.0.0.1:8000/v1.")),
    ({"thinking": ThinkingControl.MODEL_PAIR}, ("Box: name the model that answers with Deep "
                                                "thinking on, or choose another way to switch "
                                                "thinking.")),
    ({"read_timeout": 0}, "Box: read timeout must be a positive number of seconds, got 0."),
])
def test_invalid_connections_are_explained(changes: dict[str, object], message: str) -> None:
    values: dict[str, object] = {"name": "Box", "base_url": "http://box:8000", "model": "m"}
    with pytest.raises(InvalidOptionError) as caught:
        Connection.new(**{**values, **changes})  # type: ignore[arg-type]
    assert str(caught.value) == message


def test_save_and_load_round_trip_privately(tmp_path: Path) -> None:
    path = tmp_path / "data" / "connections.json"
    connections = [deepseek(), paired(), Connection.new("Box", "http://box:8000", "m",
                                                        thinking=ThinkingControl.ALWAYS)]
    save_connections(connections, path)
    assert load_connections(path) == connections
    if sys.platform != "win32":
        assert os.stat(path).st_mode & 0o777 == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["connections.json"]  # no temp left


def test_the_retired_deepseek_api_pair_becomes_the_thinking_switch(tmp_path: Path) -> None:
    path = tmp_path / "connections.json"
    old = Connection.new("DeepSeek API", "https://api.deepseek.com", "deepseek-chat",
                         api_key=KEY, thinking=ThinkingControl.MODEL_PAIR,
                         thinking_model="deepseek-reasoner")
    elsewhere = Connection.new("Proxy", "https://proxy.example/v1", "deepseek-chat",
                               thinking=ThinkingControl.MODEL_PAIR,
                               thinking_model="deepseek-reasoner")
    save_connections([old, elsewhere], path)
    [upgraded, kept] = load_connections(path)
    assert (upgraded.id, upgraded.model, upgraded.thinking, upgraded.thinking_model,
            upgraded.api_key) == (old.id, "deepseek-v4-flash", ThinkingControl.API_SWITCH, None,
                                  KEY)
    assert kept == elsewhere  # another server may still name its models so


def test_bad_entries_are_skipped_without_logging_keys(tmp_path: Path,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "connections.json"
    good = {"id": "a1", "name": "Box", "base_url": "http://box:8000", "model": "m"}
    bad = {"id": "b2", "name": "Broken", "base_url": "nowhere", "model": "m", "api_key": KEY}
    path.write_text(json.dumps({"version": 1, "connections": [good, bad, "x"]}))
    with caplog.at_level(logging.WARNING):
        loaded = load_connections(path)
    assert [c.id for c in loaded] == ["a1"]
    assert KEY not in caplog.text
    assert "connection 2 ('Broken') ignored: 'nowhere' is not a server address" in caplog.text


def test_a_corrupt_file_is_kept_aside(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "connections.json"
    path.write_text('{"connections": [{"api_key": "' + KEY)
    with caplog.at_level(logging.WARNING):
        assert load_connections(path) == []
    assert (tmp_path / "connections.json.bad").exists() and not path.exists()
    assert KEY not in caplog.text
