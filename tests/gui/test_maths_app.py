"""Maths in the whole app: an R1-style answer streamed by llama.cpp (a tiny model scripted with a
grammar), its formulas rendered on the app's worker thread, in the answer and in the reasoning;
and the README's screenshots of it, in English and in Chinese."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.gui.app_controller import AppController
from backend.paths import app_paths
from backend.settings import Language, Settings, save_settings
from tests.gui.conftest import MakeApp
from tests.gui.test_maths_view import images
from tests.gui.test_screenshots import gbnf, grab
from ui.chat.message_widget import MessageWidget
from ui.markdown.formulas import formulas

REASONING = (r"We need the roots of $x^2 - 5x + 6 = 0$. Here $a = 1$, $b = -5$, $c = 6$, so the "
             r"discriminant is $b^2 - 4ac = 25 - 24 = 1 > 0$: two real roots.")
ANSWER = r"""To solve $x^2 - 5x + 6 = 0$, use the quadratic formula:

$$
x = \frac{-b \pm \sqrt{b^2 - 4ac}}{2a} = \frac{5 \pm \sqrt{1}}{2}
$$

So the roots are $x_1 = 3$ and $x_2 = 2$. Check with Vieta: $x_1 + x_2 = 5$ and $x_1 x_2 = 6$.

$$
\begin{aligned}
(x - 2)(x - 3) &= x^2 - 3x - 2x + 6 \\
&= x^2 - 5x + 6
\end{aligned}
$$

**Final answer:** $\boxed{x = 2 \text{ or } x = 3}$"""

REASONING_ZH = r"圆的面积公式是 $A = \pi r^2$，半径 $r = 2$，代入即可；再顺便算一下 $\sum_{k=1}^{10} k$。"
ANSWER_ZH = r"""**解答**：设圆的半径为 $r$，则面积公式为

\[
A = \pi r^2
\]

当 $r = 2$ 时，$A = 4\pi \approx 12.57$。另外 $\sum_{k=1}^{10} k = \frac{10 \times 11}{2} = 55$，且

$$
\text{面积} = \int_0^{2} 2\pi t \, dt = 4\pi
$$

所以 $\text{面积} = 4\pi$，故答案 $\boxed{4\pi}$。"""


def script(reasoning: str, answer: str) -> str:
    return f"root ::= {gbnf(reasoning)} {gbnf('</think>')} {gbnf(chr(10) * 2 + answer)}"


@pytest.fixture
def maths_app(make_app: MakeApp, r1_model: Path) -> Iterator[MakeApp]:
    def make(reasoning: str, answer: str) -> AppController:
        app = make_app(r1_model, script(reasoning, answer))
        app.window.resize(1180, 780)
        app.window.chat_view.set_reasoning_expanded(True)  # its maths in view too
        return app

    yield make


def ask(qtbot: QtBot, app: AppController, question: str) -> MessageWidget:
    app.window.composer.set_deep_thinking(True)
    app.window.composer.set_text(question)
    with qtbot.waitSignal(app.chat.generating_changed, timeout=60_000,
                          check_params_cb=lambda busy: not busy):
        qtbot.mouseClick(app.window.composer.send, Qt.MouseButton.LeftButton)
    widget = app.window.chat_view.message_widget(app.window.chat_view.message_ids()[-1])
    panel = widget.reasoning_panel
    assert panel is not None and panel.view is not None
    qtbot.waitUntil(lambda: not widget.answer_view.has_pending_maths()
                    and not panel.view.has_pending_maths(), timeout=30_000)
    return widget


def test_a_maths_answer_renders_in_the_app(qtbot: QtBot, maths_app: MakeApp,
                                           out_dir: Path) -> None:
    app = maths_app(REASONING, ANSWER)
    assert formulas() is app.formulas  # rendered on the app's worker thread
    widget = ask(qtbot, app, "Solve x^2 - 5x + 6 = 0")
    assert widget.content() == ANSWER
    answer_images = images(widget.answer_view.document())
    assert len(answer_images) == 8
    assert "\\frac" not in widget.answer_view.document().toPlainText()
    panel = widget.reasoning_panel
    assert panel is not None and panel.view is not None
    assert len(images(panel.view.document())) == 5
    stored = app.store.messages(app.chat.conversation_id)[-1]
    assert (stored.content, stored.reasoning) == (ANSWER, REASONING)  # the LaTeX is kept
    grab(app.window, out_dir / "maths-light.png", qtbot)


def test_a_maths_answer_in_chinese(qtbot: QtBot, maths_app: MakeApp, out_dir: Path) -> None:
    save_settings(Settings(language=Language.CHINESE), app_paths().settings_file)
    app = maths_app(REASONING_ZH, ANSWER_ZH)
    widget = ask(qtbot, app, "半径为 2 的圆面积是多少？")
    assert len(images(widget.answer_view.document())) == 8
    assert "\\text" not in widget.answer_view.document().toPlainText()
    grab(app.window, out_dir / "maths-zh_CN.png", qtbot)
    app.shutdown()  # the translators go with the app: the rest of the suite reads English
