"""Tool-call markup in streamed output: DSML (V3.2, V4) and V3/R1/V3.1 tokens never show raw;
they become folded calls, saved inside the answer as a stable block, and never sent back."""

from __future__ import annotations

import json

import pytest

from backend.chat.events import AnswerDelta, ReasoningDelta
from backend.chat.family import FamilyInfo, ModelFamily, ThinkingMode
from backend.chat.messages import ChatMessage, Role
from backend.chat.prompt import build_prompt
from backend.chat.reasoning import ReasoningSplitter
from backend.chat.tool_calls import (
    ToolCall,
    ToolCallDelta,
    ToolCallFilter,
    parse_markup,
    split_tool_blocks,
    tool_block,
)
from tests.support.tiny_deepseek import V4_TEMPLATE, template

# Outputs as the models write them (llama.cpp's tests/test-chat.cpp and the templates' formats).
V4_CALL = (
    "Let me check.\n\n<｜DSML｜tool_calls>\n<｜DSML｜invoke name=\"get_weather\">\n"
    "<｜DSML｜parameter name=\"city\" string=\"true\">Paris</｜DSML｜parameter>\n"
    "<｜DSML｜parameter name=\"days\" string=\"false\">3</｜DSML｜parameter>\n"
    "</｜DSML｜invoke>\n</｜DSML｜tool_calls>"
)
V32_CALL = (
    "<｜DSML｜function_calls>\n<｜DSML｜invoke name=\"get_time\">\n"
    "<｜DSML｜parameter name=\"city\" string=\"true\">Tokyo</｜DSML｜parameter>\n"
    "</｜DSML｜invoke>\n</｜DSML｜function_calls>"
)
V31_CALLS = (
    "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>get_time<｜tool▁sep｜>{\"city\": \"Paris\"}"
    "<｜tool▁call▁end｜><｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>{\"city\": \"Paris\"}"
    "<｜tool▁call▁end｜><｜tool▁calls▁end｜>"
)
R1_CALL = (
    "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n"
    "{\"city\": \"Paris\"}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>"
)


def stream(pieces: list[str], *, starts_in_reasoning: bool = False
           ) -> list[ReasoningDelta | AnswerDelta]:
    """The deltas a chat emits for these generated pieces: splitter, then the filter."""
    splitter = ReasoningSplitter(starts_in_reasoning=starts_in_reasoning)
    tools = ToolCallFilter()
    out = [d for piece in pieces for delta in splitter.feed(piece) for d in tools.feed(delta)]
    out += [d for delta in splitter.finish() for d in tools.feed(delta)]
    return out + tools.finish()


def shown(deltas: list[ReasoningDelta | AnswerDelta]) -> tuple[str, str, list[ToolCall]]:
    reasoning = "".join(d.text for d in deltas if isinstance(d, ReasoningDelta))
    answer = "".join(d.text for d in deltas
                     if isinstance(d, AnswerDelta) and not isinstance(d, ToolCallDelta))
    calls = [c for d in deltas if isinstance(d, ToolCallDelta) for c in d.calls]
    return reasoning, answer, calls


@pytest.mark.parametrize(("output", "calls"), [
    (V4_CALL, [ToolCall("get_weather", '{"city": "Paris", "days": 3}')]),
    (V32_CALL, [ToolCall("get_time", '{"city": "Tokyo"}')]),
    (V31_CALLS, [ToolCall("get_time", '{"city": "Paris"}'),
                 ToolCall("get_weather", '{"city": "Paris"}')]),
    (R1_CALL, [ToolCall("get_weather", '{"city": "Paris"}')]),
], ids=["v4-dsml", "v3.2-dsml", "v3.1", "r1"])
def test_each_family_s_markup_becomes_calls_whole_or_split_anywhere(
        output: str, calls: list[ToolCall]) -> None:
    for pieces in ([output], list(output), [output[:7], output[7:31], output[31:]]):
        reasoning, answer, found = shown(stream(["Answer first. ", *pieces, " Done."]))
        assert found == calls
        assert "｜" not in answer and "DSML" not in answer and "tool▁" not in answer
        assert answer.startswith("Answer first.") and answer.endswith(" Done.")
        assert reasoning == ""


def test_markup_after_reasoning_is_taken_out_and_reasoning_stays() -> None:
    reasoning, answer, calls = shown(stream(
        ["I should look the weather up.</think>", V4_CALL], starts_in_reasoning=True))
    assert reasoning == "I should look the weather up."
    assert answer == "Let me check."  # the blank line before the call goes with it
    assert [c.name for c in calls] == ["get_weather"]
    assert calls[0].pretty_arguments() == '{\n  "city": "Paris",\n  "days": 3\n}'


def test_markup_cut_off_by_the_end_of_the_stream_is_still_folded() -> None:
    _, answer, calls = shown(stream(
        ["<｜DSML｜tool_calls>\n<｜DSML｜invoke name=\"search\">\n<｜DSML｜parameter "
         "name=\"q\" string=\"true\">deep"]))
    assert (answer, calls) == ("", [ToolCall("search", '{"q": "deep"}')])
    _, answer, calls = shown(stream(["Hmm <｜tool▁calls▁begin｜>"]))
    assert answer == "Hmm " and calls == [ToolCall("", '""')]


def test_stray_markers_vanish_and_ordinary_text_with_brackets_passes() -> None:
    _, answer, calls = shown(stream(["a</｜DSML｜invoke>b<｜tool▁sep｜>c<｜tool▁outputs▁end｜>d"]))
    assert (answer, calls) == ("abcd", [])
    text = "x < y and 1<2, <｜ not a marker ｜> and </b> and <"
    assert shown(stream(list(text)))[1] == text


def test_unparsable_arguments_are_kept_as_the_model_wrote_them() -> None:
    [call] = parse_markup("<｜tool▁call▁begin｜>f<｜tool▁sep｜>{not json<｜tool▁call▁end｜>")
    assert call == ToolCall("f", '"{not json"') and call.pretty_arguments() == "{not json"
    [call] = parse_markup('<｜DSML｜invoke name="g">\n<｜DSML｜parameter name="n" string="false">'
                          "oops</｜DSML｜parameter>\n</｜DSML｜invoke>")
    assert json.loads(call.arguments) == {"n": "oops"}


def test_the_saved_block_round_trips_and_leaves_the_answer_clean() -> None:
    calls = (ToolCall("get_weather", '{"city": "巴黎", "days": 3}'), ToolCall("", '"raw"'))
    saved = "Let me check." + tool_block(calls) + "Then more."
    assert "```deepseek-tool-call\n" in saved and "巴黎" in saved  # readable as Markdown too
    assert split_tool_blocks(saved) == ("Let me check.\n\nThen more.", calls)
    assert split_tool_blocks("No calls here.") == ("No calls here.", ())
    # A fenced block that only looks like ours stays as it is.
    other = "```deepseek-tool-call\nnot json\n```"
    assert split_tool_blocks(other) == (other, ())
    delta = ToolCallDelta(tool_block(calls), calls)
    assert isinstance(delta, AnswerDelta) and delta.text == tool_block(calls)


def test_calls_the_model_tried_are_never_sent_back() -> None:
    v4 = FamilyInfo(ModelFamily.V4, ThinkingMode.HYBRID, "DeepSeek-V4", ("max",))
    answer = "Let me check." + tool_block((ToolCall("get_weather", '{"city": "Paris"}'),))
    history = (ChatMessage(Role.USER, "Weather?"), ChatMessage(Role.ASSISTANT, answer),
               ChatMessage(Role.USER, "Thanks"))
    prompt = build_prompt(history, v4, deep_thinking=False, chat_template=template(V4_TEMPLATE),
                          bos_token="<B>", eos_token="<E>")
    assert prompt.text == ("<B><｜User｜>Weather?<｜Assistant｜></think>Let me check."
                           "<｜end▁of▁sentence｜><｜User｜>Thanks<｜Assistant｜></think>")
