"""Markdown → safe HTML (no Qt): features render, model output stays inert, cuts are stable."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ui.markdown.blocks import open_fence, stable_boundary
from ui.markdown.code_highlight import highlight, language_of
from ui.markdown.render import (
    DARK,
    LIGHT,
    is_safe_url,
    plain_text_html,
    render_markdown,
    stylesheet,
)


def text_of(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


# -- features ---------------------------------------------------------------------------------


def test_headings_lists_tables_and_emphasis() -> None:
    out = render_markdown("# Title\n\nSome **bold** and *italic* and `code`.\n\n"
                          "- one\n- two\n\n1. first\n2. second\n\n"
                          "| A | B |\n|---|:-:|\n| 1 | 2 |\n").html
    assert "<h1>Title</h1>" in out
    assert "<strong>bold</strong>" in out and "<em>italic</em>" in out
    assert "<code>code</code>" in out
    assert out.count("<li>") == 4 and "<ul>" in out and "<ol>" in out
    assert "<table" in out and "<th>A</th>" in out and 'text-align: center' in out


def test_fenced_code_is_highlighted_with_inline_colours_and_a_copy_link() -> None:
    out = render_markdown("```python\ndef f(x):\n    return x  # done\n```\n", LIGHT)
    assert 'href="copy:0"' in out.html and ">Copy</a>" in out.html
    assert re.search(r'<span style="color:#[0-9A-Fa-f]{6};font-weight:bold">def</span>', out.html)
    assert out.code_blocks == ("def f(x):\n    return x  # done",)
    assert "class=" not in out.html  # QTextDocument has no pygments stylesheet


def test_dark_theme_uses_the_dark_pygments_colours() -> None:
    light = render_markdown("```python\nimport os\n```", LIGHT).html
    dark = render_markdown("```python\nimport os\n```", DARK).html
    assert light != dark
    assert DARK.code_background in dark and LIGHT.code_background in light


def test_code_keeps_tabs_markup_and_indentation_exactly() -> None:
    code = "all:\n\techo '<b>&amp;</b>'\n\n    indented"
    out = render_markdown(f"Text\n```make\n{code}\n```\nafter")
    assert out.code_blocks == (code,)
    assert "&lt;b&gt;&amp;amp;&lt;/b&gt;" in out.html
    assert "<p>after</p>" in out.html


def test_code_block_numbers_continue_from_first_code_index() -> None:
    out = render_markdown("```\na\n```\n\n```\nb\n```", first_code_index=5)
    assert 'href="copy:5"' in out.html and 'href="copy:6"' in out.html
    assert out.code_blocks == ("a", "b")


def test_an_unclosed_fence_runs_to_the_end_as_code() -> None:
    out = render_markdown("Look:\n```js\nlet a = 1;\n# not a heading")
    assert out.code_blocks == ("let a = 1;\n# not a heading",)
    assert "<h1>" not in out.html


def test_fences_indented_inside_list_items_stay_in_the_item() -> None:
    out = render_markdown("1. Install:\n   ```bash\n   pip install x\n   ```\n2. Run it")
    assert out.code_blocks == ("pip install x",)
    assert out.html.count("<ol>") == 1 and out.html.count("<li>") == 2
    assert out.html.index("copy:0") < out.html.index("Run it")


def test_lists_nested_by_two_or_three_spaces_nest() -> None:
    out = render_markdown("1. a\n   - b\n     - c\n2. d\n\n- x\n  - y\n- z").html
    assert out.count("<ol>") == 1 and out.count("<ul>") == 4
    assert re.search(r"<li>a<ul>\s*<li>b<ul>\s*<li>c</li>", out)


def test_a_list_or_table_right_under_a_paragraph_line_still_renders() -> None:
    out = render_markdown("Steps:\n1. one\n2. two\n\nTable:\n| a | b |\n|---|---|\n| 1 | 2 |").html
    assert "<p>Steps:</p>" in out and out.count("<li>") == 2
    assert "<th>a</th>" in out


def test_single_line_breaks_are_kept() -> None:
    assert "<br />" in render_markdown("roses are red\nviolets are blue").html or \
        "<br>" in render_markdown("roses are red\nviolets are blue").html


def test_ordered_lists_keep_their_start_number() -> None:
    assert '<ol start="3">' in render_markdown("3. three\n4. four").html


def test_chinese_and_mixed_text() -> None:
    out = render_markdown("## 排序算法\n\n使用 `sorted()` 函数，**非常**简单。\n\n- 第一步\n- 第二步")
    assert "<h2>排序算法</h2>" in out.html
    assert "<strong>非常</strong>" in out.html
    assert text_of(out.html).split() == ["排序算法", "使用", "sorted()", "函数，非常简单。",
                                         "第一步", "第二步"]


# -- safety -----------------------------------------------------------------------------------


@pytest.mark.parametrize("source", [
    "<script>alert(1)</script>",
    '<img src="http://example.com/x.png">',
    '<a href="javascript:alert(1)">click</a>',
    "<style>body { display: none }</style>",
    '<iframe src="http://example.com"></iframe>',
    "<div onclick='alert(1)'>x</div>",
    "text <b onmouseover=alert(1)>inline</b> <!-- comment -->",
])
def test_raw_html_is_shown_as_text(source: str) -> None:
    out = render_markdown(source).html
    tags = set(re.findall(r"<([a-z0-9]+)", out))
    assert tags <= {"p", "a"}, out
    assert "javascript" not in "".join(re.findall(r'<a\s[^>]*href="([^"]*)"', out))
    assert text_of(out).strip().replace("\n", " ") == source.replace("\n", " ")


def test_markdown_images_become_links_and_never_images() -> None:
    out = render_markdown("![a chart](http://example.com/x.png) ![t](data:image/png;base64,AA)"
                          ' ![r][img]\n\n[img]: https://example.com/y.png "Y"').html
    assert "<img" not in out
    assert '<a href="http://example.com/x.png">[image: a chart]</a>' in out
    assert "<span>[image: t]</span>" in out  # not a web address: not even a link
    assert '<a href="https://example.com/y.png">[image: r]</a>' in out


@pytest.mark.parametrize("source", [
    "[x](javascript:alert(1))", "[x](JaVaScRiPt:alert(1))", "[x](data:text/html,hi)",
    "[x](file:///etc/passwd)", "[x](vbscript:msgbox)", "[x][r]\n\n[r]: javascript:alert(1)",
])
def test_links_with_unsafe_schemes_are_plain_text(source: str) -> None:
    out = render_markdown(source).html
    assert "href" not in out and "<span>x</span>" in out


def test_safe_links_autolinks_and_bare_addresses() -> None:
    out = render_markdown("[docs](https://docs.python.org) <http://a.org> <me@b.org> "
                          "see https://c.org/x_y_z. and (http://d.org)").html
    hrefs = [html.unescape(h) for h in re.findall(r'href="([^"]*)"', out)]
    assert hrefs == ["https://docs.python.org", "http://a.org", "mailto:me@b.org",
                     "https://c.org/x_y_z", "http://d.org"]


def test_is_safe_url() -> None:
    assert is_safe_url("https://x.org") and is_safe_url("mailto:a@b.c") and is_safe_url("HTTP://x")
    for url in ("javascript:alert(1)", "copy:1", "file:///x", "x.org", "http://", ""):
        assert not is_safe_url(url)


def test_stash_placeholders_in_the_source_cannot_inject_markup() -> None:
    out = render_markdown("```\n<b>x</b>\n```\n\n\x02wzxhzdk:0\x03 and \x02wzxhzdk:1\x03")
    assert out.html.count("<table") == 1
    assert "wzxhzdk" in out.html  # shown as the harmless text it is


def test_plain_text_html_escapes_and_keeps_line_breaks() -> None:
    out = plain_text_html("a <b>x</b> & y\n\nsecond line")
    assert out.count("<br/>") == 2 and "&lt;b&gt;x&lt;/b&gt; &amp; y" in out


def test_stylesheet_differs_by_theme() -> None:
    assert stylesheet(LIGHT) != stylesheet(DARK)
    assert LIGHT.inline_code_background in stylesheet(LIGHT)


# -- highlighting -----------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["python", "py", "js", "bash", "c++", "rust", "", "nope"])
def test_highlighting_keeps_the_code_exactly(language: str) -> None:
    code = "fn main() {\n\tlet s = \"<&>\"; // x\n}\n\n  # end"
    assert text_of(highlight(code, language, dark=False)) == code


def test_language_of_info_strings() -> None:
    assert language_of("python title='x'") == "python"
    assert language_of("{.rust}") == "rust" and language_of("") == ""


# -- stable block boundaries ------------------------------------------------------------------


def test_cuts_before_a_new_paragraph_once_its_first_character_is_a_letter() -> None:
    assert stable_boundary("para one\n\npara tw") == len("para one\n\n")
    assert stable_boundary("para one\n\n段落") == len("para one\n\n")
    assert stable_boundary("para one\n\npara two\n") == len("para one\n\n")
    # Anything else may still turn out to continue the block above, or open a fence.
    for start in ("-", "1", " ", "`", ">", "*", "["):
        assert stable_boundary("- a\n\n" + start) == 0, start
    assert stable_boundary("para one\n\n") == 0


def test_no_cut_inside_a_fence_even_at_blank_lines() -> None:
    text = "```\na\n\nb\n\nc\n"
    assert stable_boundary(text) == 0
    closed = text + "```\n\nnext\n"
    assert stable_boundary(closed) == len(text + "```\n\n")


def test_no_cut_where_python_markdown_would_merge_blocks() -> None:
    assert stable_boundary("- a\n\n- b\n") == 0  # the same list
    assert stable_boundary("> a\n\n> b\n") == 0  # the same quote
    assert stable_boundary("1. a\n\n   more\n") == 0  # the item goes on
    assert stable_boundary("para\n\n    code\n") == 0
    # A paragraph ends the list: a list after it is a new one.
    assert stable_boundary("- a\n\npara\n\n- b\n") == len("- a\n\npara\n\n")


def test_cuts_only_from_the_given_start() -> None:
    text = "a\n\nb\n\nc\n\n- d"
    first = stable_boundary(text)
    assert first == len("a\n\nb\n\n")
    assert stable_boundary(text, first) == first


def test_open_fence() -> None:
    assert open_fence("```python") is not None and open_fence("   ~~~~") is not None
    assert open_fence("```a``` inline") is None and open_fence("``not") is None


_BLOCKS = [
    "# Heading", "## Sub heading", "A paragraph with **bold** and `code`.",
    "Two lines\nof one paragraph.", "- a\n- b\n  - nested", "1. one\n2. two",
    "3. three\n   ```py\n   x = 1\n   ```", "| a | b |\n|---|---|\n| 1 | 2 |",
    "> quoted\n> text", "```js\nlet a = 1;\n\nlet b = 2;\n```", "---", "    indented code",
    "中文段落，**粗体**。", "Intro:\n- x\n- y", "<b>raw</b> & text", "![img](http://e.com/i.png)",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_BLOCKS), min_size=1, max_size=8),
       st.lists(st.sampled_from(["\n\n", "\n\n\n", "\n"]), min_size=8, max_size=8),
       st.integers(min_value=0, max_value=400))
def test_rendering_both_sides_of_any_cut_equals_rendering_the_whole(
        blocks: list[str], gaps: list[str], prefix: int) -> None:
    text = "".join(b + g for b, g in zip(blocks, gaps, strict=False))
    cut = stable_boundary(text[:prefix])
    whole = render_markdown(text)
    head = render_markdown(text[:cut])
    tail = render_markdown(text[cut:], first_code_index=len(head.code_blocks))
    assert head.code_blocks + tail.code_blocks == whole.code_blocks
    joined = "\n".join(part for part in (head.html, tail.html) if part)
    assert joined == whole.html
