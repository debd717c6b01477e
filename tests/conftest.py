"""Shared fixtures: hermetic app folders and tiny generated DeepSeek models."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from backend.chat import builtin_templates as templates
from tests.support.tiny_model import TinyModelSpec, endless, script, write_tiny_model

# The interface follows the system language: pin it, so the suite reads English on any machine
# (tests/gui/test_chinese_ui.py asks for Chinese explicitly). Qt reads these once, at start.
os.environ["LC_ALL"] = "C.UTF-8"
os.environ["LANGUAGE"] = "en"

pytest_plugins = ["tests.support.remote_fixtures"]  # fake_openai: a scripted OpenAI-compatible server

GUI_FIXTURES = {"qapp", "qtbot"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that needs Qt's GUI is marked `gui`, so `pytest -m "not gui"` runs without a
    display: tests under tests/gui, and any other that asks for a QApplication."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if "gui" in item.path.parts or fixtures & GUI_FIXTURES:
            item.add_marker(pytest.mark.gui)


@pytest.fixture(autouse=True)
def _hermetic_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test gets its own app folders; nothing touches the real home directory."""
    monkeypatch.setenv("DEEPSEEK_LOCAL_HOME", str(tmp_path_factory.mktemp("home")))
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    yield


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """`tiny_model(name, **spec)`: write (once per session) and return a tiny model's path."""
    cache: dict[tuple[str, tuple[tuple[str, object], ...]], Path] = {}
    folder = tmp_path_factory.mktemp("models")

    def make(file_name: str, **spec: object) -> Path:
        key = (file_name, tuple(sorted(spec.items(), key=lambda kv: kv[0])))
        if key not in cache:
            target = folder / str(len(cache)) / file_name
            cache[key] = write_tiny_model(target, TinyModelSpec(**spec))  # type: ignore[arg-type]
        return cache[key]

    return make


@pytest.fixture(scope="session")
def r1_model(tiny_model: Callable[..., Path]) -> Path:
    return tiny_model("DeepSeek-R1-Tiny-F16.gguf", name="DeepSeek-R1 Tiny Test",
                      chat_template=templates.DEEPSEEK_R1)


@pytest.fixture(scope="session")
def v3_model(tiny_model: Callable[..., Path]) -> Path:
    return tiny_model("DeepSeek-V3-0324-Tiny-F16.gguf", name="DeepSeek-V3-0324 Tiny Test",
                      chat_template=templates.DEEPSEEK_V3_0324)


@pytest.fixture(scope="session")
def v31_model(tiny_model: Callable[..., Path]) -> Path:
    return tiny_model("DeepSeek-V3.1-Tiny-F16.gguf", name="DeepSeek-V3.1 Tiny Test",
                      chat_template=templates.DEEPSEEK_V3_1)


@pytest.fixture(scope="session")
def r1_split_model(tiny_model: Callable[..., Path]) -> Path:
    return tiny_model("DeepSeek-R1-Tiny-F16.gguf", name="DeepSeek-R1 Tiny Test",
                      chat_template=templates.DEEPSEEK_R1, split_max_tensors=20)


# -- later generations and a real distill body: tests/support/tiny_deepseek.py ---------------------


@pytest.fixture(scope="session")
def v32_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny `deepseek32` (DeepSeek-V3.2) with llama.cpp's V3.2 template."""
    from tests.support.tiny_deepseek import write_v32_model

    return write_v32_model(tmp_path_factory.mktemp("v32") / "DeepSeek-V3.2-Tiny-F32.gguf")


@pytest.fixture(scope="session")
def v4_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny `deepseek4` (DeepSeek-V4-Flash) with llama.cpp's V4 template (effort: max)."""
    from tests.support.tiny_deepseek import write_v4_model

    return write_v4_model(tmp_path_factory.mktemp("v4") / "DeepSeek-V4-Flash-Tiny-F32.gguf")


@pytest.fixture(scope="session")
def v4_0731_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny V4-Flash-0731 (its template knows the efforts high and max)."""
    from tests.support.tiny_deepseek import V4_0731_TEMPLATE, v4_spec, write_v4_model

    spec = v4_spec(name="DeepSeek-V4-Flash-0731 Tiny Test", template=V4_0731_TEMPLATE)
    return write_v4_model(tmp_path_factory.mktemp("v4-0731") / "DeepSeek-V4-Flash-0731-Tiny.gguf",
                          spec)


@pytest.fixture(scope="session")
def distill_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny `qwen2` DeepSeek-R1-Distill-Qwen with llama.cpp's distill template."""
    from tests.support.tiny_deepseek import write_distill_model

    return write_distill_model(tmp_path_factory.mktemp("distill") / "DeepSeek-R1-Distill-Qwen-Tiny.gguf")
# Scripted models (see tests/support/tiny_model.py): they reason "WHY" and answer "BLUE" (V3:
# only "BLUE"), or write "abab…" without end, at any temperature and with no grammar, so a
# separate process (`serve`) answers known text.


@pytest.fixture(scope="session")
def scripted_r1(tiny_model: Callable[..., Path]) -> Path:
    return tiny_model("DeepSeek-R1-Scripted.gguf", name="DeepSeek-R1 Tiny Test",
                      chat_template=templates.DEEPSEEK_R1, bigrams=script())


@pytest.fixture(scope="session")
def scripted_v3(tiny_model: Callable[..., Path]) -> Path:
    return tiny_model("DeepSeek-V3-0324-Scripted.gguf", name="DeepSeek-V3-0324 Tiny Test",
                      chat_template=templates.DEEPSEEK_V3_0324, bigrams=script())


@pytest.fixture(scope="session")
def scripted_v31(tiny_model: Callable[..., Path]) -> Path:
    return tiny_model("DeepSeek-V3.1-Scripted.gguf", name="DeepSeek-V3.1 Tiny Test",
                      chat_template=templates.DEEPSEEK_V3_1, bigrams=script())


@pytest.fixture(scope="session")
def endless_r1(tiny_model: Callable[..., Path]) -> Path:
    """Never stops by itself: a 65,536-token context takes seconds to fill."""
    return tiny_model("DeepSeek-R1-Endless.gguf", name="DeepSeek-R1 Tiny Test",
                      chat_template=templates.DEEPSEEK_R1, bigrams=endless(), n_ctx_train=65536)
