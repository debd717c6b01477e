"""Finding the LaTeX maths in Markdown source (pure Python): delimiters, prices that stay prose,
escapes, code that is never touched, blocks, and streaming prefixes that never flicker."""

from __future__ import annotations

import pytest

from ui.markdown.math_spans import find_math, protect, scan


def spans(text, final=True):
    return [(s.latex, s.display) for s in find_math(text, final=final)]


# -- delimiters --------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    (r"so $a+b$ holds", [("a+b", False)]),
    (r"so \(a+b\) holds", [("a+b", False)]),
    ("$$\\frac{1}{2}$$", [(r"\frac{1}{2}", True)]),
    (r"\[ A=\pi r^2 \]", [(r"A=\pi r^2", True)]),
    ("where $$x^2$$ is", [("x^2", True)]),  # display also mid-line
    ("\\[\n\\boxed{42}\n\\]", [(r"\boxed{42}", True)]),
    (r"$\text{面积} = \pi r^2$", [(r"\text{面积} = \pi r^2", False)]),
    (r"$a$ and $b$, \(c\) and \[d\]", [("a", False), ("b", False), ("c", False), ("d", True)]),
    (r"a$b$c", [("b", False)]),  # pandoc: letters around are allowed
])
def test_delimiters(text, expected):
    assert spans(text) == expected


def test_the_bug_in_the_issue_keeps_its_backslashes():
    [span] = find_math(r"The area is \[ A=\pi r^2 \] square units.")
    assert span.latex == r"A=\pi r^2" and span.display
    assert span.source == r"\[ A=\pi r^2 \]"


def test_multiline_display():
    text = "Then\n$$\n\\begin{aligned} a &= b \\\\\n c &= d \\end{aligned}\n$$\nso"
    [span] = find_math(text)
    assert span.display and span.latex.startswith(r"\begin{aligned}")
    assert span.latex.endswith(r"\end{aligned}") and "\\\\\n c" in span.latex


def test_matrix_and_cases_keep_their_backslashes_and_ampersands():
    latex = r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}"
    assert spans(f"$${latex}$$") == [(latex, True)]
    latex = r"f(x) = \begin{cases} x, & x \ge 0 \\ -x, & x < 0 \end{cases}"
    assert spans(f"\\[{latex}\\]") == [(latex, True)]


# -- prose dollars -----------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "It costs $5 and $10.",
    "between $5-$10 per unit",
    "from $1,000 to $2,000",
    "US$5 or $ 5",
    "$x $ y$",  # the next $ after the opener cannot close (space before it): no maths
    "pay $5, then $x = 5$ later"[:12],
    "$x$5",  # a closing $ may not be followed by a digit
    "$ x$",  # nor may the opening $ be followed by white space
    "$$$",
    "$$$$",
    "$$ $$",
    r"\(\)",
    "$",
    "$$",
])
def test_no_maths(text):
    assert spans(text) == []


def test_a_price_before_maths_does_not_swallow_it():
    # pandoc would pair "$5, so $" ... here the opener after "pay " fails: next $ has a space before
    assert spans("pay $5, so $x = 5$ holds") == [("x = 5", False)]


def test_escaped_dollars():
    found = scan(r"\$5 and \$10, but $\$5$ is maths")
    assert [(s.latex, s.display) for s in found.spans] == [(r"\$5", False)]
    assert found.escapes == (0, 8)
    assert protect(r"\$5 and \$10", lambda s: "M") == "$5 and $10"


def test_escaped_backslash_is_not_an_opener():
    assert spans(r"a \\(b) c \\[d]") == []


# -- code is never touched ---------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("`$x$` and $y$", [("y", False)]),
    ("``a ` $x$ ` b`` and $y$", [("y", False)]),
    (r"`\[x\]` and \(y\)", [("y", False)]),
    ("Use `$HOME` and `$PATH`", []),
    ("price $5 (see `$x`)", []),  # inline maths stops at a backtick: the code span wins
    ("```\n$x$\n\\[y\\]\n```\n$z$", [("z", False)]),
    ("~~~python\nprint('$x$')\n~~~\n$z$", [("z", False)]),
    ("1. item\n   ```\n   $x$\n   ```\n2. $z$", [("z", False)]),
    ("```\n$x$ and the fence never closes $y$", []),
    ("```a``` $x$", [("x", False)]),  # ``` with a backtick after it on the line: a code span
])
def test_code(text, expected):
    assert spans(text) == expected


def test_unclosed_backticks_are_text_when_final():
    assert spans("a ` b $x$") == [("x", False)]


# -- blocks ------------------------------------------------------------------------------------

def test_no_span_crosses_a_blank_line():
    assert spans("$$\na\n\nb\n$$") == []
    assert spans("$a\n\nb$") == []
    assert spans("\\[a\n\n b\\]") == []


def test_inline_may_cross_a_single_line_break():
    assert spans("$a\nb$") == [("a\nb", False)]


def test_table_pipes_inside_maths():
    assert spans("| $|x|$ | b |\n|---|---|") == [("|x|", False)]


def test_spans_are_the_same_on_both_sides_of_a_block_boundary():
    text = ("Let $a$ be.\n\n$$\nx^2\n$$\n\n- item $b$\n- \\(c\\)\n\n```\n$no$\n```\n\nEnd \\[d\\] "
            "costs $5.\n")
    whole = [(s.start, s.end) for s in find_math(text)]
    for cut in (i + 2 for i in range(len(text)) if text.startswith("\n\n", i)):
        if text[:cut].count("```") % 2:
            continue  # not a boundary: inside a fence
        left = [(s.start, s.end) for s in find_math(text[:cut])]
        right = [(s.start + cut, s.end + cut) for s in find_math(text[cut:])]
        assert left + right == whole, cut


# -- streaming ---------------------------------------------------------------------------------

STREAMS = [
    "The area is \\[ A=\\pi r^2 \\] and $$\n\\begin{aligned} a &= b \\\\ c &= d \\end{aligned}\n$$\n"
    "so $x$5 is not maths but $x$ is, and \\(y\\) too.\n\n"
    "It costs $5 and $10. Code: `$z$`.\n\n```\n$$no$$\n```\n\n$$\\boxed{42}$$\n",
    "**答案**：$\\text{面积} = \\pi r^2$，其中 $r = 3$。\n\n$$\n\\sum_{k=1}^{n} k = \\frac{n(n+1)}{2}\n$$",
    "pay $5, so $x = 5$ holds; \\$3 and `a $b` then $c$.",
    "a $$x$$$ b $y$ c \\",
]


@pytest.mark.parametrize("text", STREAMS)
def test_streaming_only_ever_adds_correct_spans(text):
    """Every prefix, read as an unfinished stream, finds only spans of the finished text, and a
    span once found stays found: formulas go from text to maths once and never flicker back."""
    final = {(s.start, s.end, s.latex, s.display) for s in find_math(text)}
    seen: set = set()
    for n in range(len(text) + 1):
        now = {(s.start, s.end, s.latex, s.display) for s in find_math(text[:n], final=False)}
        assert now <= final, (n, text[:n], now - final)
        assert seen <= now, (n, text[:n], seen - now)
        seen = now
    assert seen <= final


def test_unclosed_display_at_the_end_stays_text_while_streaming():
    found = scan("Thus\n$$\nx = \\frac{1}{2}", final=False)
    assert found.spans == () and found.pending
    found = scan("Thus\n$$\nx = \\frac{1}{2}\n$", final=False)
    assert found.spans == () and found.pending
    found = scan("Thus\n$$\nx = \\frac{1}{2}\n$$", final=False)
    assert [s.latex for s in found.spans] == [r"x = \frac{1}{2}"] and not found.pending


def test_nothing_inside_an_unclosed_display_is_rendered_while_streaming():
    # the inline-looking $b$ would become part of the display formula once $$ closes
    assert spans("$$ a $b$ c", final=False) == []
    assert spans("\\[ a \\(b\\) c", final=False) == []


def test_inline_closer_at_the_very_end_waits_for_the_next_character():
    assert scan("so $x$", final=False).pending
    assert spans("so $x$", final=False) == []
    assert spans("so $x$5", final=False) == []
    assert spans("so $x$ ", final=False) == [("x", False)]
    assert spans("so $x$") == [("x", False)]  # ... and the finished text decides


def test_an_unclosed_opener_in_an_earlier_block_is_plain_text():
    found = scan("costs $5\n\nthen $x$ ok", final=False)
    assert [s.latex for s in found.spans] == ["x"] and not found.pending


def test_open_code_span_at_the_end_while_streaming():
    assert spans("see `$x$", final=False) == []
    assert spans("see `$x$` and $y$.", final=False) == [("y", False)]


def test_open_fence_at_the_end_while_streaming():
    assert spans("$a$ ok\n```\n$x$", final=False) == [("a", False)]


def test_protect_replaces_spans_and_keeps_the_rest():
    text = r"A $x_1$ and \[y^*\] but `$z$` and \$4."
    out = protect(text, lambda s: f"<{'D' if s.display else 'I'}:{s.latex}>")
    assert out == r"A <I:x_1> and <D:y^*> but `$z$` and $4."


def test_streaming_property_on_random_texts():
    """The same guarantee on 3000 random texts made of the characters that matter."""
    import random

    rng = random.Random(7)
    alphabet = ["$", "$", "$$", "\\", "(", ")", "[", "]", "`", "a", "x", " ", "\n", "5", "\\$",
                "\\(", "\\)", "\\[", "\\]", "```\n", "\n\n", "~"]
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 14)))
        final = {(s.start, s.end) for s in find_math(text)}
        seen: set = set()
        for n in range(len(text) + 1):
            now = {(s.start, s.end) for s in find_math(text[:n], final=False)}
            assert now <= final and seen <= now, (text, n)
            seen = now
