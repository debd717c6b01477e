"""MarkdownView: what the reader sees, streamed or at once; links and images stay inert."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QClipboard, QColor, QPalette, QTextDocument, QTextFormat
from PySide6.QtWidgets import QWidget

from tests.support.gui import anchor_point, anchors, block_signature
from ui.markdown import markdown_view
from ui.markdown.markdown_view import MarkdownView

pytestmark = pytest.mark.gui

DOCUMENTS = [
    # A typical answer: headings, lists (nested, loose, numbered), a table, code, a quote.
    """# Sorting in Python

Python has **two** ways to sort: `sorted()` and `list.sort()`.
Here is a second line of the same paragraph.

## Comparison
| Function | Returns | In place |
|---|---|:-:|
| `sorted()` | new list | no |
| `list.sort()` | `None` | yes |

Steps:
1. Pick a key
2. Call the function
   ```python
   data = [3, 1, 2]
   print(sorted(data, key=lambda x: -x))
   ```
3. Done

- bullet one
- bullet two
  - nested

- loose item

> A quote
> over two lines

> second quote paragraph

```bash
pip install\tfoo
echo "<b>hi</b>"
```

```
plain code

with a blank line
```
Some text with a [link](https://example.com) and <script>alert(1)</script>.

---

    indented code
    block

Final paragraph.
""",
    # Chinese and mixed text.
    """## 排序算法

使用 `sorted()` 函数，**非常**简单。混合 English 和中文。

1. 第一步：准备数据
2. 第二步：调用 `sorted`

| 名称 | 说明 |
|---|---|
| sorted | 返回新列表 |

```python
print("你好")
```
""",
    # Edge cases: a table first, code blocks back to back, an unclosed fence at the end.
    """| a | b |
|---|---|
| 1 | 2 |

```js
let a = 1;
```

```js
let b = 2;
```
### Heading after code
3. starts at three
4. four

```python
def unfinished():
    pass
""",
    # Headings and rules only; a list that continues after blank lines.
    "# One\n\n## Two\n\n---\n\n### Three\n\n- a\n\n- b\n\n\n- c\n\nText <img src=x>\n",
]


@pytest.fixture
def view(host: QWidget) -> MarkdownView:
    widget = MarkdownView(host)
    host.layout().addWidget(widget)
    widget.show()
    return widget


def stream(view: MarkdownView, text: str, sizes: list[int]) -> None:
    at = 0
    for size in sizes:
        if at >= len(text):
            break
        view.append_markdown(text[at:at + size])
        at += size
    if at < len(text):
        view.append_markdown(text[at:])
    view.finish()


# -- streamed == at once ----------------------------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(range(len(DOCUMENTS))),
       st.lists(st.integers(min_value=1, max_value=60), min_size=1, max_size=400))
def test_streamed_rendering_reads_exactly_like_rendering_at_once(
        host: QWidget, document: int, sizes: list[int]) -> None:
    text = DOCUMENTS[document]
    at_once, streamed = MarkdownView(host), MarkdownView(host)
    at_once.set_markdown(text)
    stream(streamed, text, sizes)
    assert streamed.toPlainText() == at_once.toPlainText()
    assert block_signature(streamed.document()) == block_signature(at_once.document())
    assert streamed.code_blocks() == at_once.code_blocks()
    assert anchors(streamed.document()) == anchors(at_once.document())
    assert streamed.markdown() == text
    at_once.deleteLater()
    streamed.deleteLater()


def test_one_character_at_a_time(view: MarkdownView, host: QWidget) -> None:
    reference = MarkdownView(host)
    reference.set_markdown(DOCUMENTS[0])
    stream(view, DOCUMENTS[0], [1] * len(DOCUMENTS[0]))
    assert view.toPlainText() == reference.toPlainText()
    assert block_signature(view.document()) == block_signature(reference.document())


def test_only_the_open_tail_is_converted_again(view: MarkdownView,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    sizes: list[int] = []
    real = markdown_view.render_markdown

    def recording(source: str, *args: object, **kwargs: object) -> object:
        sizes.append(len(source))
        return real(source, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(markdown_view, "render_markdown", recording)
    paragraph = "A sentence that goes on for a while, to make the text long. " * 3 + "\n\n"
    for _ in range(60):
        for piece in (paragraph[:50], paragraph[50:]):
            view.append_markdown(piece)
    assert len(view.markdown()) > 10_000
    assert max(sizes) < 3 * len(paragraph)


def test_a_paragraph_that_never_ends_stays_cheap_then_renders(
        view: MarkdownView, host: QWidget, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reasoning can be one endless paragraph: past LONG_TAIL it streams as plain text (no
    Markdown parse per update), and finish() renders it properly once."""
    sizes: list[int] = []
    real = markdown_view.render_markdown

    def recording(source: str, *args: object, **kwargs: object) -> object:
        sizes.append(len(source))
        return real(source, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(markdown_view, "render_markdown", recording)
    text = "word **bold** " * 800  # ~11k characters, no blank line anywhere
    for i in range(0, len(text), 40):
        view.append_markdown(text[i:i + 40])
    streamed_parses = [n for n in sizes if n > markdown_view.LONG_TAIL]
    assert streamed_parses == []
    assert "**bold**" in view.toPlainText()  # shown as typed while streaming
    view.finish()
    reference = MarkdownView(host)
    reference.set_markdown(text)
    assert view.toPlainText() == reference.toPlainText()  # rendered: the asterisks are gone
    assert "**" not in view.toPlainText()


def test_chinese_and_mixed_markdown(view: MarkdownView) -> None:
    view.set_markdown(DOCUMENTS[1])
    lines = [line for line in view.toPlainText().split("\n") if line.strip()]
    assert lines[:5] == ["排序算法", "使用 sorted() 函数，非常简单。混合 English 和中文。",
                         "第一步：准备数据", "第二步：调用 sorted", "名称"]
    assert view.code_blocks() == ('print("你好")',)


# -- what is rendered -------------------------------------------------------------------------


def test_headings_lists_tables_and_highlighted_code(view: MarkdownView) -> None:
    view.set_markdown(DOCUMENTS[0])
    doc = view.document()
    headings = [b.text() for b in _blocks(doc) if b.blockFormat().headingLevel()]
    assert headings == ["Sorting in Python", "Comparison"]
    assert any(b.textList() is not None and b.text() == "nested" for b in _blocks(doc))
    assert "Function\nReturns\nIn place" in view.toPlainText()
    fragments = [p.fragment() for b in _blocks(doc) for p in b]
    colour = {f.text(): f.charFormat().foreground().color().name() for f in fragments
              if f.charFormat().hasProperty(QTextFormat.Property.ForegroundBrush)}
    assert colour["lambda"] != colour['"<b>hi</b>"'] != colour["3"]  # keyword, string, number
    assert [href for href, text in anchors(doc) if text == "Copy"] == ["copy:0", "copy:1", "copy:2"]


def test_clicking_a_copy_link_puts_that_code_on_the_clipboard(
        view: MarkdownView, qtbot: object, clipboard: QClipboard) -> None:
    view.set_markdown(DOCUMENTS[0])
    with qtbot.waitSignal(view.code_copied) as copied:  # type: ignore[attr-defined]
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,  # type: ignore[attr-defined]
                         pos=anchor_point(view, "copy:1"))
    assert copied.args == [1]
    assert clipboard.text() == 'pip install\tfoo\necho "<b>hi</b>"'


def test_raw_html_and_scripts_show_as_text(view: MarkdownView) -> None:
    source = ('<script>alert(1)</script> <img src="http://example.com/x.png"> '
              '<a href="javascript:alert(2)">x</a> <style>p {}</style>')
    view.set_markdown(source)
    assert view.toPlainText() == source
    assert all(not href.startswith("javascript") for href, _ in anchors(view.document()))
    assert not _has_images(view.document())


def test_images_are_links_and_nothing_is_ever_fetched(
        view: MarkdownView, qtbot: object, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    real = MarkdownView.loadResource

    def recording(self: MarkdownView, kind: int, url: QUrl) -> object:
        asked.append(url.toString())
        return real(self, kind, url)

    monkeypatch.setattr(MarkdownView, "loadResource", recording)
    view.set_markdown('![chart](http://example.com/chart.png)\n\n<img src="https://e.com/y.png">')
    view.append_markdown("")
    view.repaint()
    qtbot.wait(20)  # type: ignore[attr-defined]
    assert not _has_images(view.document())
    assert ("http://example.com/chart.png", "[image: chart]") in anchors(view.document())
    assert not [url for url in asked if url.startswith("http")]
    assert view.loadResource(QTextDocument.ResourceType.ImageResource,
                             QUrl("http://example.com/chart.png")) is None


def test_links_open_in_the_browser_only_when_clicked(
        view: MarkdownView, qtbot: object, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr(markdown_view.QDesktopServices, "openUrl",
                        lambda url: opened.append(url.toString()) or True)
    view.set_markdown("Read [the docs](https://docs.python.org/3/) or [x](javascript:alert(1)).")
    qtbot.wait(20)  # type: ignore[attr-defined]
    assert opened == []
    assert anchors(view.document()) == [("https://docs.python.org/3/", "the docs")]
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,  # type: ignore[attr-defined]
                     pos=anchor_point(view, "https://docs.python.org/3/"))
    assert opened == ["https://docs.python.org/3/"]
    assert view.source().isEmpty()  # the view itself never navigated


def test_only_web_and_mail_links_are_handed_to_the_desktop(
        view: MarkdownView, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr(markdown_view.QDesktopServices, "openUrl",
                        lambda url: opened.append(url.toString()) or True)
    for url in ("javascript:alert(1)", "file:///etc/passwd", "copy:99", "data:text/html,x",
                "mailto:a@b.org", "http://x.org"):
        view.anchorClicked.emit(QUrl(url))
    assert opened == ["mailto:a@b.org", "http://x.org"]


# -- size and look ----------------------------------------------------------------------------


def test_the_view_is_as_tall_as_its_text_and_never_scrolls(view: MarkdownView, qtbot: object) -> None:
    view.set_markdown("one line")
    short = view.height()
    view.append_markdown("\n\n" + "\n\n".join(f"paragraph {i}" for i in range(30)))
    qtbot.waitUntil(lambda: view.height() > 10 * short)  # type: ignore[attr-defined]
    margins = view.contentsMargins()
    # Whole pixels, rounded up so the last line is never cut, whatever the fonts measure.
    assert view.height() == (math.ceil(view.document().size().height())
                             + margins.top() + margins.bottom())
    assert view.verticalScrollBar().maximum() == 0


def test_a_dark_palette_renders_dark_code_blocks(view: MarkdownView) -> None:
    view.set_markdown("```python\nx = 1\n```")
    light = view.toHtml()
    palette = QPalette(view.palette())
    for role, colour in ((QPalette.ColorRole.Window, "#1e1f24"), (QPalette.ColorRole.Base, "#1e1f24"),
                         (QPalette.ColorRole.Text, "#e6e7eb")):
        palette.setColor(role, QColor(colour))
    view.setPalette(palette)
    assert view.toHtml() != light
    assert view.code_blocks() == ("x = 1",)
    assert view.toPlainText().split() == ["python", "Copy", "x", "=", "1"]


def test_deferred_markdown_shows_the_source_then_renders(view: MarkdownView) -> None:
    view.set_markdown("# Title\n\n**bold**", defer=True)
    assert view.is_deferred() and view.toPlainText() == "# Title\n\n**bold**"
    view.render_deferred()
    assert not view.is_deferred() and view.toPlainText() == "Title\nbold"


def _blocks(doc: QTextDocument) -> list:  # type: ignore[type-arg]
    found = []
    block = doc.begin()
    while block.isValid():
        found.append(block)
        block = block.next()
    return found


def _has_images(doc: QTextDocument) -> bool:
    return any(p.fragment().charFormat().isImageFormat() for b in _blocks(doc) for p in b)
