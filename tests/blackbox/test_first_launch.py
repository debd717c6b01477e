"""The app as a new user meets it, on a real X server with a window manager: started with
`python -m app`, typed at with xdotool, read back from its own SQLite file and from screenshots.
What offscreen tests cannot see: keyboard focus at start-up, what is actually painted, popups.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.blackbox.conftest import ANSWER, REASONING
from tests.support.desktop import Desktop, Rect, Shot, close_to, dark, running_app, wait_for
from tests.support.fake_hub import FakeHub
from ui.theme import ACCENT, LIGHT

pytestmark = [pytest.mark.gui, pytest.mark.slow]

QUESTION = "What is 2+2?"
OFFLINE = {"HF_HUB_OFFLINE": "1"}
DISTILL_REPO = "unsloth/DeepSeek-R1-Distill-Qwen-1.5B-GGUF"
DISTILL_FILE = "DeepSeek-R1-Distill-Qwen-1.5B-Q4_K_M.gguf"


def hub_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"HF_HOME": str(tmp_path / "hf"), "HF_HUB_CACHE": str(tmp_path / "hf" / "hub"),
            "HF_TOKEN": "", **extra}


def repainted(desktop: Desktop, window: str) -> Shot:
    """The screen after the window painted itself afresh: resized and resized back, so every
    widget lays out and paints again (an expose alone only shows Qt's backing store)."""
    geometry = desktop.geometry(window)
    for width in (geometry.width + 40, geometry.width):
        desktop.xdotool("windowsize", "--sync", window, str(width), str(geometry.height))
        wait_for("the window to take its size",
                 lambda w=width: desktop.geometry(window).width == w, timeout=10)
    time.sleep(0.3)  # the layout passes and paints queued by the resize
    return desktop.screenshot()


def test_typed_question_is_saved_word_for_word_and_answered(
    desktop: Desktop, tmp_path: Path, answering_model: Callable[[str, str], Path]
) -> None:
    model = answering_model("DeepSeek-R1-Tiny-F16.gguf", "DeepSeek-R1 Tiny Test")
    data = tmp_path / "D"
    with running_app(desktop, data, ["--model", str(model)], hub_env(tmp_path, **OFFLINE)) as app:
        app.wait_loaded(model)
        app.wait_active()
        # What is on screen is what a fresh paint shows: the message box no longer reads
        # "Loading the model…" once the model is ready (only the text cursor may blink).
        geometry = desktop.geometry(app.window)
        composer = Rect(geometry.x, geometry.y + geometry.height - 140, geometry.width, 140)
        before = desktop.screenshot()
        after = repainted(desktop, app.window)
        changed = before.differences(after, composer)
        columns = {x for x, _ in changed}
        assert not changed or max(columns) - min(columns) <= 2, (
            f"the message box was not repainted when the model loaded: {len(changed)} pixels "
            f"differ in {composer}")

        app.type(QUESTION)
        app.key("Return")
        rows = app.wait_answer()
    assert rows == [("user", QUESTION, "", "complete"),
                    ("assistant", ANSWER, REASONING, "complete")]


def test_picker_list_is_visible(
    desktop: Desktop, tmp_path: Path, answering_model: Callable[[str, str], Path]
) -> None:
    model = answering_model("DeepSeek-R1-Tiny-F16.gguf", "DeepSeek-R1 Tiny Test")
    with running_app(desktop, tmp_path / "D", ["--model", str(model)],
                     hub_env(tmp_path, **OFFLINE)) as app:
        app.wait_loaded(model)
        app.wait_active()
        geometry = desktop.geometry(app.window)
        # The picker: the first control of the header, right of the 260-pixel sidebar.
        desktop.xdotool("mousemove", str(geometry.x + 380), str(geometry.y + 43), "click", "1")
        popup = wait_for("the picker's list to open", lambda: next(
            (w for w in desktop.windows(pid=app.process.pid) if w != app.window), None))
        area = desktop.geometry(popup)
        shot = desktop.screenshot()
        app.key("Escape")
    # The current model is listed: highlighted, its name readable on the highlight (an empty
    # white box before: the name was painted in the highlight's text colour on white).
    highlighted = shot.count(area, close_to(LIGHT.selection))
    text = shot.count(area, dark)
    assert highlighted > area.width * 10, f"no highlighted item in the list at {area}"
    assert text > 50, f"no readable item in the list at {area} ({text} dark pixels)"


def test_first_run_download_loads_the_model_and_chats(
    desktop: Desktop, tmp_path: Path, answering_model: Callable[[str, str], Path]
) -> None:
    model = answering_model(DISTILL_FILE, "DeepSeek-R1-Distill-Qwen-1.5B")
    with FakeHub() as hub:
        hub.add_repo(DISTILL_REPO, {DISTILL_FILE: model})
        env = hub_env(tmp_path, HF_ENDPOINT=hub.endpoint)
        with running_app(desktop, tmp_path / "D", [], env) as app:
            # First run, nothing installed: the model manager opens, the recommended model
            # (the only one this hub has) selected. Double-click its row to download it.
            dialog = desktop.wait_window("Download models")
            area = desktop.geometry(dialog)
            row = wait_for("the catalog, the recommended row selected", lambda: selected_row(
                desktop.screenshot(), area))
            desktop.xdotool("mousemove", str(area.x + 150), str(row), "click", "--repeat", "2",
                            "--delay", "80", "1")
            installed = Path(str(wait_for(
                "the download to be loaded",
                lambda: app.settings().get("last_model"), timeout=60)))
            assert installed.name == DISTILL_FILE
            assert installed.read_bytes() == model.read_bytes()
            desktop.xdotool("windowactivate", "--sync", dialog)
            app.key("Escape")  # closes the model manager
            wait_for("the model manager to close",
                     lambda: dialog not in desktop.windows(name="^Download models$"))
            app.wait_active()
            app.type(QUESTION)
            app.key("Return")
            rows = app.wait_answer()
    assert rows == [("user", QUESTION, "", "complete"),
                    ("assistant", ANSWER, REASONING, "complete")]


def selected_row(shot: Shot, dialog: Rect) -> int | None:
    """The screen y of the middle of the selected catalog row: the first band of lines that
    are mostly the accent colour (the highlight spans the table; the Download button, also
    accent, is far narrower)."""
    accent = close_to(ACCENT, tolerance=12)
    span = Rect(dialog.x + 20, 0, dialog.width - 40, 1)

    def highlighted(y: int) -> bool:
        return shot.count(Rect(span.x, y, span.width, 1), accent) > 0.6 * span.width

    top = next((y for y in range(dialog.y, dialog.y + dialog.height) if highlighted(y)), None)
    if top is None:
        return None
    bottom = top
    while bottom < dialog.y + dialog.height and highlighted(bottom):
        bottom += 1
    return (top + bottom) // 2 if bottom - top >= 12 else None
