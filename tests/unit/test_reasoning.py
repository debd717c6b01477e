"""Tests for `ReasoningSplitter`: exact splits for each rule, then chunking properties."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from backend.chat.events import AnswerDelta, ReasoningDelta
from backend.chat.reasoning import ReasoningSplitter

Delta = ReasoningDelta | AnswerDelta

R1_TEXT = "Let me think.\n</think>\n\nThe answer is 4."


def run(pieces: Iterable[str], *, starts_in_reasoning: bool) -> list[Delta]:
    splitter = ReasoningSplitter(starts_in_reasoning=starts_in_reasoning)
    out: list[Delta] = []
    for piece in pieces:
        out.extend(splitter.feed(piece))
    out.extend(splitter.finish())
    return out


def joined(deltas: list[Delta]) -> tuple[str, str]:
    reasoning = "".join(d.text for d in deltas if isinstance(d, ReasoningDelta))
    answer = "".join(d.text for d in deltas if isinstance(d, AnswerDelta))
    return reasoning, answer


def kinds(deltas: list[Delta]) -> list[type]:
    """The order of delta kinds over the whole stream, runs of one kind collapsed."""
    order: list[type] = []
    for delta in deltas:
        if not order or order[-1] is not type(delta):
            order.append(type(delta))
    return order


def split_at(text: str, *cuts: int) -> list[str]:
    bounds = [0, *sorted(cuts), len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds)]


# --- rule 1: prompt ended inside <think> (DeepSeek-R1 template) ---------------------------------


def test_r1_style_output_in_one_piece_gives_one_delta_of_each_kind() -> None:
    splitter = ReasoningSplitter(starts_in_reasoning=True)
    assert splitter.in_reasoning and splitter.saw_reasoning
    assert splitter.feed(R1_TEXT) == [
        ReasoningDelta("Let me think."),
        AnswerDelta("The answer is 4."),
    ]
    assert splitter.finish() == []
    assert not splitter.in_reasoning
    assert splitter.saw_reasoning


def test_r1_style_leading_newline_after_prompt_think_is_dropped() -> None:
    deltas = run(["\n", "Let me", " think.\n", "</think>", "\n\n", "The answer is 4."],
                 starts_in_reasoning=True)
    assert joined(deltas) == ("Let me think.", "The answer is 4.")
    assert kinds(deltas) == [ReasoningDelta, AnswerDelta]


def test_resumed_reasoning_keeps_its_first_space_and_takes_no_think_tag() -> None:
    """Continue: the prompt ends with the reasoning so far, the output goes on from its last
    word; "<think>" there is text, not a new block."""
    splitter = ReasoningSplitter(starts_in_reasoning=True, resumed=True)
    deltas = [*splitter.feed(" and"), *splitter.feed(" <think> more.</think>\n\nFour."),
              *splitter.finish()]
    assert joined(deltas) == (" and <think> more.", "Four.")


@pytest.mark.parametrize("prefix", ["<think>", "<think>\n", "\n<think>\n", "  \n<think>"])
def test_duplicate_think_at_output_start_is_dropped(prefix: str) -> None:
    deltas = run([prefix + R1_TEXT], starts_in_reasoning=True)
    assert joined(deltas) == ("Let me think.", "The answer is 4.")
    assert kinds(deltas) == [ReasoningDelta, AnswerDelta]


def test_only_one_duplicate_think_is_dropped() -> None:
    deltas = run(["<think><think>x</think>y"], starts_in_reasoning=True)
    assert joined(deltas) == ("<think>x", "y")


def test_think_later_in_reasoning_is_reasoning_text() -> None:
    deltas = run(["Hmm <think> ok</think>y"], starts_in_reasoning=True)
    assert joined(deltas) == ("Hmm <think> ok", "y")


# --- rule 2: prompt did not open a think block --------------------------------------------------


@pytest.mark.parametrize("text", ["Hello there.", "\n\nHello there.", "  Hello there."])
def test_output_without_reasoning_is_all_answer(text: str) -> None:
    splitter = ReasoningSplitter(starts_in_reasoning=False)
    assert not splitter.in_reasoning and not splitter.saw_reasoning
    deltas = splitter.feed(text) + splitter.finish()
    assert deltas == [AnswerDelta("Hello there.")]
    assert not splitter.in_reasoning and not splitter.saw_reasoning


@pytest.mark.parametrize("prefix", ["<think>\n", "\n <think>\n"])
def test_output_opening_think_enters_reasoning(prefix: str) -> None:
    splitter = ReasoningSplitter(starts_in_reasoning=False)
    assert splitter.feed(prefix) == []
    assert splitter.in_reasoning and splitter.saw_reasoning
    deltas = splitter.feed("Hmm.\n</think>\n\nHi.") + splitter.finish()
    assert deltas == [ReasoningDelta("Hmm."), AnswerDelta("Hi.")]
    assert not splitter.in_reasoning


def test_close_tag_without_open_tag_is_answer_text() -> None:
    deltas = run(["x </think> y"], starts_in_reasoning=False)
    assert deltas == [AnswerDelta("x </think> y")]


def test_think_after_answer_text_is_not_a_tag() -> None:
    deltas = run(["ok <think>no</think>"], starts_in_reasoning=False)
    assert deltas == [AnswerDelta("ok <think>no</think>")]


def test_partial_open_tag_is_held_then_released_as_answer() -> None:
    splitter = ReasoningSplitter(starts_in_reasoning=False)
    assert splitter.feed("<thi") == []
    assert splitter.feed("s is html") == [AnswerDelta("<this is html")]


def test_partial_open_tag_at_end_of_stream_is_answer() -> None:
    splitter = ReasoningSplitter(starts_in_reasoning=False)
    assert splitter.feed("\n<thin") == []
    assert splitter.finish() == [AnswerDelta("<thin")]


# --- rule 3: after </think> everything is answer ------------------------------------------------


def test_stray_tags_in_answer_pass_through_unchanged() -> None:
    deltas = run(["a</think>\n\nb </think> c <think> d"], starts_in_reasoning=True)
    assert joined(deltas) == ("a", "b </think> c <think> d")
    assert kinds(deltas) == [ReasoningDelta, AnswerDelta]


def test_answer_is_never_held_back() -> None:
    splitter = ReasoningSplitter(starts_in_reasoning=True)
    assert splitter.feed("r</think>x</th") == [ReasoningDelta("r"), AnswerDelta("x</th")]
    assert splitter.feed("a <") == [AnswerDelta("a <")]
    assert splitter.feed("  ") == [AnswerDelta("  ")]
    assert splitter.finish() == []


# --- rule 4: whitespace -------------------------------------------------------------------------


def test_whitespace_inside_sections_is_preserved_exactly() -> None:
    text = "\n a\n\n  b\t c \n\n</think>\n\n x \n\n y \n"
    for pieces in ([text], list(text)):
        assert joined(run(pieces, starts_in_reasoning=True)) == ("a\n\n  b\t c", "x \n\n y \n")


def test_trailing_reasoning_whitespace_is_held_until_text_follows() -> None:
    splitter = ReasoningSplitter(starts_in_reasoning=True)
    assert splitter.feed("a\n\n") == [ReasoningDelta("a")]
    assert splitter.feed(" ") == []
    assert splitter.feed("b") == [ReasoningDelta("\n\n b")]
    assert splitter.feed("\n") == []
    assert splitter.feed("</think>") == []
    assert splitter.feed("\n\nc") == [AnswerDelta("c")]


@pytest.mark.parametrize("starts_in_reasoning, opening", [(True, ""), (False, "<think>")])
def test_whitespace_only_reasoning_emits_no_reasoning(starts_in_reasoning: bool,
                                                      opening: str) -> None:
    splitter = ReasoningSplitter(starts_in_reasoning=starts_in_reasoning)
    deltas = [*splitter.feed(opening + "\n\n"), *splitter.feed("</think>\n\nHi"),
              *splitter.finish()]
    assert deltas == [AnswerDelta("Hi")]
    assert splitter.saw_reasoning  # the block was opened, even if nothing was in it


def test_whitespace_only_output_emits_nothing() -> None:
    for starts in (True, False):
        assert run([" \n", "\n\t "], starts_in_reasoning=starts) == []


# --- rule 5: split tags -------------------------------------------------------------------------


@pytest.mark.parametrize("cut", range(len(R1_TEXT) + 1))
def test_r1_text_split_at_every_position(cut: int) -> None:
    deltas = run(split_at(R1_TEXT, cut), starts_in_reasoning=True)
    assert joined(deltas) == ("Let me think.", "The answer is 4.")
    assert kinds(deltas) == [ReasoningDelta, AnswerDelta]


def test_tags_split_at_every_pair_of_positions() -> None:
    text = "\n<think>\nA b.\n</think>\n\nC </think> d."
    for first in range(len(text) + 1):
        for second in range(first, len(text) + 1):
            pieces = split_at(text, first, second)
            for starts in (True, False):
                deltas = run(pieces, starts_in_reasoning=starts)
                assert joined(deltas) == ("A b.", "C </think> d."), pieces
                assert kinds(deltas) == [ReasoningDelta, AnswerDelta], pieces


def test_char_by_char_feed_matches_whole_feed() -> None:
    assert joined(run(list(R1_TEXT), starts_in_reasoning=True)) == joined(
        run([R1_TEXT], starts_in_reasoning=True))


def test_partial_close_tag_is_released_as_soon_as_it_cannot_be_one() -> None:
    splitter = ReasoningSplitter(starts_in_reasoning=True)
    assert splitter.feed("x</thi") == [ReasoningDelta("x")]
    assert splitter.feed("s") == [ReasoningDelta("</this")]
    assert splitter.feed("<") == []
    assert splitter.feed("/") == []
    assert splitter.feed("b") == [ReasoningDelta("</b")]


def test_only_the_tag_prefix_is_held_not_text_before_it() -> None:
    splitter = ReasoningSplitter(starts_in_reasoning=True)
    assert splitter.feed("a<b </") == [ReasoningDelta("a<b")]
    assert splitter.feed("think>") == []
    assert not splitter.in_reasoning


# --- rule 7: end of stream ----------------------------------------------------------------------


def test_unterminated_reasoning_stays_reasoning() -> None:
    splitter = ReasoningSplitter(starts_in_reasoning=True)
    deltas = [*splitter.feed("Thinking about it...\n"), *splitter.finish()]
    assert deltas == [ReasoningDelta("Thinking about it...")]
    assert splitter.in_reasoning


def test_partial_close_tag_at_end_of_stream_is_reasoning_text() -> None:
    splitter = ReasoningSplitter(starts_in_reasoning=True)
    assert splitter.feed("hmm </thi") == [ReasoningDelta("hmm")]
    assert splitter.finish() == [ReasoningDelta(" </thi")]
    assert splitter.in_reasoning


def test_opened_but_empty_block_at_end_of_stream() -> None:
    splitter = ReasoningSplitter(starts_in_reasoning=False)
    assert splitter.feed("<think>\n") == []
    assert splitter.finish() == []
    assert splitter.in_reasoning and splitter.saw_reasoning


# --- rule 8: misuse -----------------------------------------------------------------------------


def test_feed_after_finish_raises() -> None:
    splitter = ReasoningSplitter(starts_in_reasoning=True)
    splitter.finish()
    with pytest.raises(RuntimeError, match=r"feed\(\) called after finish\(\)"):
        splitter.feed("x")


def test_finish_twice_raises() -> None:
    splitter = ReasoningSplitter(starts_in_reasoning=True)
    splitter.finish()
    with pytest.raises(RuntimeError, match="called twice"):
        splitter.finish()


# --- text that only looks like a tag, unicode ---------------------------------------------------


def test_less_than_in_answer_is_text() -> None:
    assert run(["a < b"], starts_in_reasoning=False) == [AnswerDelta("a < b")]
    assert joined(run(["x</think>a < b"], starts_in_reasoning=True)) == ("x", "a < b")
    assert joined(run(list("a < b</think>c"), starts_in_reasoning=True)) == ("a < b", "c")


@pytest.mark.parametrize("pieces", [["<thinking>hi</thinking>"], list("<thinking>hi</thinking>")],
                         ids=["whole", "per-char"])
def test_thinking_is_not_the_tag(pieces: list[str]) -> None:
    assert joined(run(pieces, starts_in_reasoning=False)) == ("", "<thinking>hi</thinking>")
    deltas = run([*pieces, "</think>end"], starts_in_reasoning=True)
    assert joined(deltas) == ("<thinking>hi</thinking>", "end")


def test_chinese_text() -> None:
    text = "好的，我来想一想。\n用户问的是 2+2。\n</think>\n\n答案是 4。"
    expected = ("好的，我来想一想。\n用户问的是 2+2。", "答案是 4。")
    assert joined(run([text], starts_in_reasoning=True)) == expected
    assert joined(run(list(text), starts_in_reasoning=True)) == expected


def test_empty_pieces_emit_nothing() -> None:
    splitter = ReasoningSplitter(starts_in_reasoning=True)
    assert splitter.feed("") == []
    assert splitter.feed("\n") == []
    assert splitter.feed("a") == [ReasoningDelta("a")]
    assert splitter.feed("") == []


# --- properties ---------------------------------------------------------------------------------

fragments = st.one_of(
    st.text(alphabet="abcxyz.,", min_size=1, max_size=6),
    st.sampled_from([" ", "\n", "\n\n", "\t", " \n "]),
    st.sampled_from(["好的", "我来想一想。", "答案"]),
    st.sampled_from(["<", "<think>", "</think>", "</th", "ink>", "<thi", "think>", "/"]),
)
texts = st.lists(fragments, max_size=20).map("".join)


@st.composite
def text_and_chunks(draw: st.DrawFn) -> tuple[str, list[str]]:
    text = draw(texts)
    cuts = draw(st.lists(st.integers(0, len(text)), max_size=len(text) + 1))
    return text, split_at(text, *cuts)


def reference(text: str, starts_in_reasoning: bool) -> tuple[str, str]:
    """The whole-text definition of the split, written for clarity rather than streaming."""
    rest = text.lstrip()
    in_reasoning = starts_in_reasoning
    if rest.startswith("<think>"):
        in_reasoning, rest = True, rest[len("<think>"):]
    if not in_reasoning:
        return "", rest
    reasoning, tag, answer = rest.partition("</think>")
    return reasoning.strip(), answer.lstrip() if tag else ""


def run_tracked(pieces: list[str], starts: bool) -> tuple[list[Delta], ReasoningSplitter]:
    splitter = ReasoningSplitter(starts_in_reasoning=starts)
    out: list[Delta] = []
    for piece in [*pieces, None]:
        result = splitter.finish() if piece is None else splitter.feed(piece)
        assert all(d.text for d in result), result  # never empty
        assert all(type(a) is not type(b) for a, b in itertools.pairwise(result)), result  # merged
        out.extend(result)
    return out, splitter


@settings(database=None, max_examples=300)
@given(text_and_chunks(), st.booleans())
def test_chunking_does_not_change_the_split(case: tuple[str, list[str]], starts: bool) -> None:
    text, pieces = case
    chunked, chunked_splitter = run_tracked(pieces, starts)
    whole, whole_splitter = run_tracked([text], starts)
    assert joined(chunked) == joined(whole)
    assert kinds(chunked) == kinds(whole)
    assert chunked_splitter.in_reasoning == whole_splitter.in_reasoning
    assert chunked_splitter.saw_reasoning == whole_splitter.saw_reasoning
    # The reasoning, if any, comes first; the answer never goes back to reasoning.
    assert kinds(chunked) in ([], [ReasoningDelta], [AnswerDelta], [ReasoningDelta, AnswerDelta])


@settings(database=None, max_examples=300)
@given(text_and_chunks(), st.booleans())
def test_split_matches_whole_text_reference(case: tuple[str, list[str]], starts: bool) -> None:
    text, pieces = case
    deltas, _ = run_tracked(pieces, starts)
    assert joined(deltas) == reference(text, starts)


@settings(database=None, max_examples=300)
@given(texts, texts, st.data())
def test_one_close_tag_splits_into_stripped_halves(before: str, after: str,
                                                   data: st.DataObject) -> None:
    text = before + "</think>" + after
    assume(text.count("</think>") == 1)
    assume(not before.lstrip().startswith("<think>"))
    cuts = data.draw(st.lists(st.integers(0, len(text)), max_size=len(text) + 1))
    deltas, splitter = run_tracked(split_at(text, *cuts), True)
    assert joined(deltas) == (before.strip(), after.lstrip())
    assert not splitter.in_reasoning
