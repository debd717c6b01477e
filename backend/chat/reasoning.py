"""Splits streamed DeepSeek output into reasoning and answer deltas, one generated piece at a time.

Tags arrive split anywhere ("</th" + "ink>"), so the splitter holds back only what could still
become a tag, plus reasoning whitespace that is dropped if `</think>` follows, and releases the rest
at once. Each feed does work proportional to its piece, never a rescan of the whole output.
"""

from __future__ import annotations

from backend.chat.events import AnswerDelta, ReasoningDelta

OPEN_TAG = "<think>"
CLOSE_TAG = "</think>"

Delta = ReasoningDelta | AnswerDelta


class ReasoningSplitter:
    """Turns text pieces into `ReasoningDelta`s followed by `AnswerDelta`s.

    The output is at most one think block then the answer: `<think>` counts only at the very start
    of the output, `</think>` only inside the block; elsewhere both are ordinary text. Leading
    whitespace of each section and trailing whitespace of the reasoning are dropped (Python's
    `str.strip` notion of whitespace); whitespace inside either section is kept exactly.
    """

    __slots__ = (
        "_at_output_start",
        "_at_section_start",
        "_finished",
        "_in_reasoning",
        "_saw_reasoning",
        "_space_hold",
        "_tag_hold",
    )

    def __init__(self, *, starts_in_reasoning: bool, resumed: bool = False) -> None:
        """`resumed`: the output goes on from reasoning already shown (the prompt ends with
        it), so its first piece is neither the start of the output nor of a section."""
        self._in_reasoning = starts_in_reasoning
        # The prompt already opened the block when starts_in_reasoning, so it counts as opened.
        self._saw_reasoning = starts_in_reasoning
        # Only whitespace so far: a leading `<think>` (new block, or R1's duplicate) may follow.
        self._at_output_start = not resumed
        # The current section has produced nothing yet, so its leading whitespace is dropped.
        self._at_section_start = not resumed
        # A suffix that may still grow into a tag; shorter than CLOSE_TAG, so O(1) to re-prepend.
        self._tag_hold = ""
        # Reasoning whitespace waiting to learn whether `</think>` follows (then it is dropped).
        # Kept as pieces: a long run of newlines must not turn each feed into a string copy.
        self._space_hold: list[str] = []
        self._finished = False

    @property
    def in_reasoning(self) -> bool:
        """Whether the text fed so far ends inside the think block."""
        return self._in_reasoning

    @property
    def saw_reasoning(self) -> bool:
        """Whether a think block was opened (by the prompt or the output) or reasoning produced."""
        return self._saw_reasoning

    def feed(self, text: str) -> list[Delta]:
        """Split the next generated piece; returns the deltas it released, possibly none."""
        if self._finished:
            raise RuntimeError("ReasoningSplitter.feed() called after finish()")
        out: list[Delta] = []
        text = self._tag_hold + text
        self._tag_hold = ""
        if self._at_output_start:
            text = self._take_output_start(text)
        if self._in_reasoning:
            text = self._take_reasoning(text, out)
        if not self._in_reasoning:
            self._take_answer(text, out)
        return out

    def finish(self) -> list[Delta]:
        """Release what was held back at the end of the stream; the splitter is done afterwards."""
        if self._finished:
            raise RuntimeError("ReasoningSplitter.finish() called twice")
        self._finished = True
        out: list[Delta] = []
        held, self._tag_hold = self._tag_hold, ""
        # A tag that never completed is plain text of the section it appeared in.
        if held and self._in_reasoning:
            self._emit_reasoning(held, out)
        elif held:
            self._take_answer(held, out)
        # Whitespace still held ends an unterminated reasoning: layout, not content.
        self._space_hold.clear()
        return out

    def _take_output_start(self, text: str) -> str:
        """Consume a leading `<think>` if the output opens with one; return the text after it."""
        # Whitespace here leads whichever section comes first, so it is dropped either way.
        text = text.lstrip()
        if not text:
            return ""
        if text.startswith(OPEN_TAG):
            self._at_output_start = False
            self._in_reasoning = True
            self._saw_reasoning = True
            self._at_section_start = True
            return text[len(OPEN_TAG) :]
        if OPEN_TAG.startswith(text):
            self._tag_hold = text
            return ""
        self._at_output_start = False
        return text

    def _take_reasoning(self, text: str, out: list[Delta]) -> str:
        """Emit reasoning up to `</think>`; return the text after it ("" if the block goes on)."""
        close = text.find(CLOSE_TAG)
        if close != -1:
            self._emit_reasoning(text[:close], out)
            self._space_hold.clear()  # trailing whitespace of the reasoning
            self._in_reasoning = False
            self._at_section_start = True
            return text[close + len(CLOSE_TAG) :]
        # A proper prefix of CLOSE_TAG holds a single "<", so only the last "<" near the end
        # can start one.
        lt = text.rfind("<", max(0, len(text) - len(CLOSE_TAG) + 1))
        if lt != -1 and CLOSE_TAG.startswith(text[lt:]):
            self._tag_hold = text[lt:]
            text = text[:lt]
        self._emit_reasoning(text, out)
        return ""

    def _emit_reasoning(self, text: str, out: list[Delta]) -> None:
        """Emit reasoning text, holding back its trailing whitespace until more text follows."""
        if self._at_section_start:
            text = text.lstrip()
            if not text:
                return
            self._at_section_start = False
        kept = text.rstrip()
        if kept:
            held = "".join(self._space_hold)
            self._space_hold.clear()
            self._saw_reasoning = True
            _append(out, ReasoningDelta(held + kept))
        if len(kept) < len(text):
            self._space_hold.append(text[len(kept) :])

    def _take_answer(self, text: str, out: list[Delta]) -> None:
        """Emit answer text as is; tags here are ordinary text, so nothing is held back."""
        if not text:
            return
        if self._at_section_start:
            text = text.lstrip()
            if not text:
                return
            self._at_section_start = False
        _append(out, AnswerDelta(text))


def _append(out: list[Delta], delta: Delta) -> None:
    """Append `delta`, merging it into the previous one of the same kind (callers want one each)."""
    if out and type(out[-1]) is type(delta):
        out[-1] = type(delta)(out[-1].text + delta.text)
    else:
        out.append(delta)
