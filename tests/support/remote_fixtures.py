"""Pytest fixtures for remote engines: the scripted OpenAI-compatible server and connections to it.

Import the fixtures into a test module (`from tests.support.remote_fixtures import fake_openai`).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backend.remote.connections import Connection, ThinkingControl
from tests.support.fake_openai import API_KEY, FakeOpenAI


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


def connection_to(server: FakeOpenAI, model: str = "deepseek-chat", *,
                  name: str = "Test server", api_key: str | None = API_KEY,
                  thinking: ThinkingControl = ThinkingControl.TEMPLATE,
                  **kw: object) -> Connection:
    return Connection.new(name, server.url, model, api_key=api_key, thinking=thinking,
                          **kw)  # type: ignore[arg-type]
