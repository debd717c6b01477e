"""DeepSeek-V3.2 and V4 as their own families: detection, published facts, and prompts rendered
through llama.cpp's own templates (tests/support/templates) and the built-in fallbacks."""

from __future__ import annotations

import pytest

from backend.chat import builtin_templates as bt
from backend.chat.family import (
    FamilyInfo,
    ModelFamily,
    ThinkingMode,
    default_sampling,
    detect_family,
    facts,
    probe_effort,
)
from backend.chat.messages import ChatMessage, Role, Sampling
from backend.chat.prompt import Prompt, build_prompt
from backend.chat.template_sandbox import render_chat_template
from backend.errors import EffortUnsupportedError
from tests.support.tiny_deepseek import (
    V3_2_TEMPLATE,
    V4_0731_TEMPLATE,
    V4_TEMPLATE,
    template,
)

V3_2, V4 = ModelFamily.V3_2, ModelFamily.V4
HYBRID, ALWAYS = ThinkingMode.HYBRID, ThinkingMode.ALWAYS
BOS = "<｜begin▁of▁sentence｜>"
EOS = "<｜end▁of▁sentence｜>"
HISTORY = (
    ChatMessage(Role.SYSTEM, "Be brief."),
    ChatMessage(Role.USER, "2+2?"),
    ChatMessage(Role.ASSISTANT, "4", reasoning="Two and two make four."),
    ChatMessage(Role.USER, "And 3+3?"),
)
EFFORT_MAX_V4 = "Reasoning Effort: Absolute maximum with no shortcuts permitted.\n"
EFFORT_MAX_0731 = "Reasoning Effort: Beyond maximum — exhaustive, relentless, and uncompromising.\n"

V32_INFO = FamilyInfo(V3_2, HYBRID, "DeepSeek-V3.2")
V4_INFO = FamilyInfo(V4, HYBRID, "DeepSeek-V4-Flash", ("max",))
V4_0731_INFO = FamilyInfo(V4, HYBRID, "DeepSeek-V4-Flash-0731", ("high", "max"))


def prompt(info: FamilyInfo, chat_template: str | None, *, deep: bool,
           effort: str | None = None) -> Prompt:
    return build_prompt(HISTORY, info, deep_thinking=deep, chat_template=chat_template,
                        bos_token=BOS, eos_token=EOS, reasoning_effort=effort)


# --- families and their facts ------------------------------------------------------------------


@pytest.mark.parametrize(("arch", "metadata", "chat_template", "file_name", "expected"), [
    ("deepseek32", {}, template(V3_2_TEMPLATE), "whatever.gguf",
     FamilyInfo(V3_2, HYBRID, "DeepSeek-V3.2")),
    ("deepseek32", {"general.name": "DeepSeek V3.2 Speciale"}, template(V3_2_TEMPLATE), "",
     FamilyInfo(V3_2, ALWAYS, "DeepSeek-V3.2-Speciale")),
    ("deepseek4", {}, template(V4_TEMPLATE), "DeepSeek-V4-Flash-UD-Q4_K_XL-00001-of-00004.gguf",
     FamilyInfo(V4, HYBRID, "DeepSeek-V4-Flash", ("max",))),
    ("deepseek4", {"general.name": "DeepSeek V4 Flash 0731"}, template(V4_0731_TEMPLATE), "",
     FamilyInfo(V4, HYBRID, "DeepSeek-V4-Flash-0731", ("high", "max"))),
    ("deepseek4", {}, None, "DeepSeek-V4-Pro-0813-UD-IQ1_M-00001-of-00009.gguf",
     FamilyInfo(V4, HYBRID, "DeepSeek-V4-Pro-0813", ("max",))),  # built-in template's levels
    ("deepseek41", {"general.name": "DeepSeek V4.1 Flash"}, None, "",
     FamilyInfo(V4, HYBRID, "DeepSeek-V4.1-Flash", ("max",))),
    # Quantizers name files freely: a deepseek2 body with a telling name or template.
    ("deepseek2", {"general.name": "DeepSeek V3.2 Exp"}, None, "",
     FamilyInfo(V3_2, HYBRID, "DeepSeek-V3.2-Exp")),
    ("deepseek2", {}, template(V4_TEMPLATE), "model.gguf",
     FamilyInfo(V4, HYBRID, "DeepSeek-V4", ("max",))),
    ("deepseek2", {}, template(V3_2_TEMPLATE), "model.gguf",
     FamilyInfo(V3_2, HYBRID, "DeepSeek-V3.2")),
], ids=["v3.2-arch", "v3.2-speciale", "v4-flash", "v4-flash-0731", "v4-pro-no-template", "v4.1",
        "v3.2-by-name", "v4-by-template", "v3.2-by-template"])
def test_generations_are_detected_by_architecture_then_names_then_template(
        arch: str, metadata: dict[str, object], chat_template: str | None, file_name: str,
        expected: FamilyInfo) -> None:
    assert detect_family(arch, metadata, chat_template, file_name) == expected


def test_each_generation_has_deepseeks_published_facts() -> None:
    assert default_sampling(V3_2) == Sampling(temperature=1.0, top_p=0.95)
    assert default_sampling(V4) == Sampling(temperature=1.0, top_p=1.0)
    v4, v32 = facts(V4), facts(V3_2)
    assert (v4.thinking, v4.effort_levels, v4.system_prompt) == (HYBRID, ("max",), True)
    assert (v4.context_length, v4.default_context) == (1048576, 32768)
    assert (v32.thinking, v32.effort_levels, v32.context_length) == (HYBRID, (), 163840)
    assert facts(ModelFamily.R1).effort_levels == () and not facts(ModelFamily.R1).system_prompt


@pytest.mark.parametrize(("chat_template", "levels"), [
    (template(V4_TEMPLATE), ("max",)),
    (template(V4_0731_TEMPLATE), ("high", "max")),
    (template(V3_2_TEMPLATE), ()),
    (bt.DEEPSEEK_V4, ("max",)),
    (bt.DEEPSEEK_V3_1, ()),
    (None, ()),
])
def test_effort_levels_are_what_the_template_does_with_them(
        chat_template: str | None, levels: tuple[str, ...]) -> None:
    assert probe_effort(chat_template) == levels


# --- prompts through llama.cpp's templates -----------------------------------------------------


@pytest.mark.parametrize(("info", "name", "on", "off"), [
    (V32_INFO, V3_2_TEMPLATE, "<｜Assistant｜><think>", "<｜Assistant｜><think></think>"),
    (V4_INFO, V4_TEMPLATE, "<｜Assistant｜><think>", "<｜Assistant｜></think>"),
    (V4_0731_INFO, V4_0731_TEMPLATE, "<｜Assistant｜><think>", "<｜Assistant｜></think>"),
])
def test_thinking_opens_the_block_and_no_thinking_closes_it(
        info: FamilyInfo, name: str, on: str, off: str) -> None:
    thinking = prompt(info, template(name), deep=True)
    assert thinking.text.endswith(on) and thinking.starts_in_reasoning and thinking.thinking
    direct = prompt(info, template(name), deep=False)
    assert direct.text.endswith(off) and not direct.starts_in_reasoning and not direct.thinking
    for text in (thinking.text, direct.text):
        assert text.startswith(BOS + "Be brief.<｜User｜>2+2?")  # the system prompt is used
        assert "Two and two" not in text  # past reasoning is dropped
        assert "<｜Assistant｜></think>4" + EOS in text


def test_reasoning_effort_adds_deepseeks_preamble_only_with_thinking() -> None:
    v4 = prompt(V4_INFO, template(V4_TEMPLATE), deep=True, effort="max")
    assert v4.text.startswith(BOS + EFFORT_MAX_V4) and v4.text.endswith("<think>")
    high = prompt(V4_0731_INFO, template(V4_0731_TEMPLATE), deep=True, effort="high")
    assert high.text.startswith(BOS + EFFORT_MAX_V4)  # 0731's High is V4's Max text
    top = prompt(V4_0731_INFO, template(V4_0731_TEMPLATE), deep=True, effort="max")
    assert top.text.startswith(BOS + EFFORT_MAX_0731)
    quiet = prompt(V4_INFO, template(V4_TEMPLATE), deep=False, effort="max")
    assert "Reasoning Effort" not in quiet.text and quiet.text.endswith("</think>")


def test_an_effort_the_template_does_not_know_is_refused() -> None:
    with pytest.raises(EffortUnsupportedError) as err:
        prompt(V4_INFO, template(V4_TEMPLATE), deep=True, effort="high")
    assert str(err.value) == "DeepSeek-V4-Flash knows the reasoning efforts max, not 'high'."
    with pytest.raises(EffortUnsupportedError) as err:
        prompt(V32_INFO, template(V3_2_TEMPLATE), deep=True, effort="max")
    assert str(err.value) == ("DeepSeek-V3.2 has no reasoning effort levels: its chat template "
                              "knows no effort setting. Ask without one.")


def test_speciale_always_reasons_even_with_the_toggle_off() -> None:
    speciale = FamilyInfo(V3_2, ALWAYS, "DeepSeek-V3.2-Speciale")
    result = prompt(speciale, template(V3_2_TEMPLATE), deep=False)
    assert result.text.endswith("<｜Assistant｜><think>") and result.thinking


# --- the built-in fallbacks, written from DeepSeek's encoders --------------------------------


@pytest.mark.parametrize(("info", "name", "effort"), [
    (V32_INFO, V3_2_TEMPLATE, None),
    (V4_INFO, V4_TEMPLATE, None),
    (V4_INFO, V4_TEMPLATE, "max"),
])
@pytest.mark.parametrize("deep", [True, False])
def test_builtin_templates_render_as_llama_cpp_s_for_a_chat(
        info: FamilyInfo, name: str, effort: str | None, deep: bool) -> None:
    history = (*HISTORY, ChatMessage(Role.USER, "Quickly."))  # consecutive user turns too
    ours = build_prompt(history, info, deep_thinking=deep, chat_template=None, bos_token=BOS,
                        eos_token=EOS, reasoning_effort=effort)
    theirs = build_prompt(history, info, deep_thinking=deep, chat_template=template(name),
                          bos_token=BOS, eos_token=EOS, reasoning_effort=effort)
    assert ours == theirs


def test_tool_history_renders_in_the_sandbox_with_from_json() -> None:
    # OpenAI-style history: arguments as a JSON string, which the templates parse with from_json.
    messages = [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": "",
         "tool_calls": [{"type": "function", "function": {
             "name": "get_weather", "arguments": '{"city": "Paris", "days": 3}'}}]},
        {"role": "tool", "content": "Sunny"},
    ]
    text = render_chat_template(template(V4_TEMPLATE), messages, add_generation_prompt=True,
                                bos_token=BOS, thinking=False)
    assert ('<｜DSML｜invoke name="get_weather">\n<｜DSML｜parameter name="city" string="true">'
            "Paris</｜DSML｜parameter>\n"
            '<｜DSML｜parameter name="days" string="false">3</｜DSML｜parameter>') in text
    assert text.endswith("<｜User｜><tool_result>Sunny</tool_result><｜Assistant｜></think>")
