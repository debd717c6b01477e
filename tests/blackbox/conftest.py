"""Black-box fixtures: one real X desktop (Xvfb + openbox) for the session, and deterministic
tiny models whose answers are known word for word.

The tests skip, saying what is missing, only where the desktop tools cannot be found (`.ci/run`
installs them as root with apt)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from backend.chat import builtin_templates as templates
from tests.support.desktop import APT_LINE, Desktop, missing_tools
from tests.support.tiny_model import bigram_chain

# R1's prompt ends "<think>\n": the model reasons "WHY", then answers "BLUE".
REASONING, ANSWER = "WHY", "BLUE"


@pytest.fixture(scope="session")
def desktop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desktop]:
    missing = missing_tools()
    if missing:
        pytest.skip(f"a real X desktop is needed, and {', '.join(missing)} cannot be found "
                    f"(on Debian: {APT_LINE})")
    screen = Desktop(tmp_path_factory.mktemp("desktop"))
    yield screen
    screen.close()


@pytest.fixture(scope="session")
def answering_model(tiny_model: Callable[..., Path]) -> Callable[[str, str], Path]:
    """`answering_model(file_name, model_name)`: an R1-style model that answers every question
    with REASONING, then ANSWER."""

    def make(file_name: str, name: str) -> Path:
        return tiny_model(file_name, name=name, chat_template=templates.DEEPSEEK_R1,
                          bigrams=bigram_chain("\n", f"{REASONING}</think>{ANSWER}"))

    return make
