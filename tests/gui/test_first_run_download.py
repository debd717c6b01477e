"""The model picker and the model manager around a download, as a new user meets them: the
picker never names a model that is not loaded, a download is loaded at once when nothing else
is, and the manager offers Load (or says Loaded) for what is installed. The real app, its real
download manager and catalog, a fake hub on 127.0.0.1 serving a tiny R1 distill."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.gui.app_controller import AppController
from app.gui.downloads.download_controller import open_download_dialog
from backend.chat import builtin_templates as templates
from backend.hub.download_queue import JobState
from backend.hub.library import Library
from backend.paths import app_paths
from tests.gui.conftest import MakeApp
from tests.support.fake_hub import FakeHub
from ui.downloads.catalog_table import BADGE_ROLE
from ui.downloads.download_dialog import DownloadDialog

pytest_plugins = ["tests.support.hub_fixtures"]

REPO = "unsloth/DeepSeek-R1-Distill-Qwen-1.5B-GGUF"
FILE = "DeepSeek-R1-Distill-Qwen-1.5B-Q4_K_M.gguf"


@pytest.fixture
def distill_hub(make_app: MakeApp, fake_hub: FakeHub,
                tiny_model: Callable[..., Path]) -> FakeHub:
    """A hub with the smallest R1 distill (a tiny model under its name). It asks for make_app
    first, so the hub's online environment is set up after the app's offline one."""
    model = tiny_model(FILE, name="DeepSeek-R1-Distill-Qwen-1.5B",
                       chat_template=templates.DEEPSEEK_R1)
    fake_hub.add_repo(REPO, {FILE: model})
    return fake_hub


def catalog_dialog(qtbot: QtBot, app: AppController) -> DownloadDialog:
    app.open_model_manager(None)
    dialog = open_download_dialog(app.window, app.downloads)  # the open one
    qtbot.waitUntil(lambda: dialog.catalog_state == "loaded", timeout=30_000)
    dialog.select(f"{REPO}::Q4_K_M")
    return dialog


def badge(dialog: DownloadDialog) -> str:
    row = dialog.table.rows.index(dialog.selected_row())
    return str(dialog.table.item(row, 4).data(BADGE_ROLE) or "")


def test_a_first_download_is_loaded_and_the_manager_then_says_loaded(
    qtbot: QtBot, make_app: MakeApp, distill_hub: FakeHub
) -> None:
    app = make_app(None)  # first run: the model manager opens by itself
    dialog = catalog_dialog(qtbot, app)
    assert dialog.download_button.text().startswith("Download ")
    assert badge(dialog) == "Recommended"
    dialog.download_button.click()
    qtbot.waitUntil(app.models.ready, timeout=60_000)
    assert [j.state for j in app.downloads.jobs()] == [JobState.INSTALLED]
    assert app.models.loaded is not None and app.models.loaded.info.path.name == FILE
    picker = app.window.model_bar.picker
    assert picker.currentText().startswith("DeepSeek-R1-Distill-Qwen-1.5B")
    assert app.window.composer.input.placeholderText() == "Message DeepSeek"
    qtbot.waitUntil(lambda: dialog.download_button.text() == "Loaded", timeout=5000)
    assert not dialog.download_button.isEnabled()
    assert badge(dialog) == "Loaded"


def test_an_installed_model_is_not_shown_as_chosen_until_loaded(
    qtbot: QtBot, app_home: Path, make_app: MakeApp, r1_model: Path
) -> None:
    installed = installed_in_a_folder(app_home, r1_model)
    app = make_app(None)
    picker = app.window.model_bar.picker
    assert picker.currentIndex() == -1 and picker.currentText() == ""
    assert picker.placeholderText() == "Choose a model"
    assert picker.count() == 1 and picker.itemData(0) == str(installed)
    assert app.window.composer.input.placeholderText() == "Choose a model to start chatting"
    picker.activated.emit(0)  # the user picks it from the list
    qtbot.waitUntil(app.models.ready, timeout=60_000)
    assert picker.currentIndex() == 0
    assert app.window.composer.input.placeholderText() == "Message DeepSeek"


def installed_in_a_folder(app_home: Path, model: Path) -> Path:
    folder = app_home / "models"
    folder.mkdir()
    installed = Path(shutil.copy(model, folder / "DeepSeek-R1-Tiny.gguf"))
    Library.of(app_paths()).add_folder(folder)
    return installed


def test_unloading_leaves_the_picker_naming_no_model(
    qtbot: QtBot, app_home: Path, make_app: MakeApp, r1_model: Path
) -> None:
    app = make_app(installed_in_a_folder(app_home, r1_model))
    picker = app.window.model_bar.picker
    assert picker.currentText().startswith("DeepSeek-R1")
    app.window.unload_action.trigger()
    qtbot.waitUntil(lambda: not app.models.ready(), timeout=30_000)
    assert picker.currentIndex() == -1 and picker.currentText() == ""
    assert picker.count() == 1  # still there to choose again
    assert app.window.composer.input.placeholderText() == "Choose a model to start chatting"


def test_with_a_model_loaded_a_download_waits_and_the_manager_offers_load(
    qtbot: QtBot, make_app: MakeApp, distill_hub: FakeHub, r1_model: Path
) -> None:
    app = make_app(r1_model)
    dialog = catalog_dialog(qtbot, app)
    dialog.download_button.click()
    qtbot.waitUntil(lambda: dialog.download_button.text() == "Load", timeout=60_000)
    assert badge(dialog) == "Installed"
    assert app.models.loaded is not None and app.models.loaded.info.path == r1_model  # kept
    dialog.download_button.click()
    qtbot.waitUntil(lambda: app.models.loaded is not None
                    and app.models.loaded.info.path.name == FILE, timeout=60_000)
    qtbot.waitUntil(lambda: dialog.download_button.text() == "Loaded", timeout=5000)
    assert app.window.model_bar.picker.currentText().startswith("DeepSeek-R1-Distill-Qwen-1.5B")


def test_typing_goes_to_the_message_box_from_the_start(make_app: MakeApp) -> None:
    """Not to the first control in tab order (New chat), which ate the first word typed."""
    app = make_app(None)
    assert app.window.focusWidget() is app.window.composer.input
