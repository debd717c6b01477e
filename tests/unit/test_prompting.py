"""Messages → prompt text for each DeepSeek family, with deep thinking on and off."""

from __future__ import annotations

import pytest

from backend.chat import builtin_templates as bt
from backend.chat.family import FamilyInfo, ModelFamily, ThinkingMode
from backend.chat.messages import ChatMessage, Role
from backend.chat.prompt import Prompt, build_prompt, fallback_template
from backend.errors import TemplateError, ThinkingUnsupportedError, UnsafeTemplateError

BOS = "<｜begin▁of▁sentence｜>"
EOS = "<｜end▁of▁sentence｜>"
REASONING = "Two plus two: count four."

HISTORY = (
    ChatMessage(Role.USER, "What is 2+2?"),
    ChatMessage(Role.ASSISTANT, "4", reasoning=REASONING),
    ChatMessage(Role.USER, "And 3+3?"),
)

R1 = FamilyInfo(ModelFamily.R1, ThinkingMode.ALWAYS, "DeepSeek-R1")
R1_0528 = FamilyInfo(ModelFamily.R1, ThinkingMode.ALWAYS, "DeepSeek-R1-0528")
DISTILL = FamilyInfo(ModelFamily.R1_DISTILL, ThinkingMode.ALWAYS, "DeepSeek-R1-Distill-Qwen-7B")
V3 = FamilyInfo(ModelFamily.V3, ThinkingMode.NEVER, "DeepSeek-V3-0324")
V3_1 = FamilyInfo(ModelFamily.V3_1, ThinkingMode.HYBRID, "DeepSeek-V3.1")
OTHER = FamilyInfo(ModelFamily.OTHER, ThinkingMode.NEVER, "Llama 3.2 1B Instruct")

# The rendered history up to the last user turn, shared by R1, R1-0528, the distills and V3.
TURNS = f"{BOS}<｜User｜>What is 2+2?<｜Assistant｜>4{EOS}<｜User｜>And 3+3?<｜Assistant｜>"


def build(
    family: FamilyInfo,
    template: str | None,
    deep: bool,
    messages: tuple[ChatMessage, ...] = HISTORY,
) -> Prompt:
    return build_prompt(
        messages, family, deep_thinking=deep, chat_template=template, bos_token=BOS, eos_token=EOS
    )


# --- the exact prompts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("family", "template"),
    [
        (R1, bt.DEEPSEEK_R1),
        (R1, bt.DEEPSEEK_R1_ORIGINAL),  # old template: the think block is opened by us
        (R1_0528, bt.DEEPSEEK_R1_0528),  # the user turn emits the assistant marker itself
        (DISTILL, bt.DEEPSEEK_R1_DISTILL),
        (DISTILL, bt.DEEPSEEK_R1_DISTILL_ORIGINAL),
        (R1, None),  # no template in the file: the built-in R1 one
    ],
)
def test_r1_deep_thinking_starts_inside_the_think_block(
    family: FamilyInfo, template: str | None
) -> None:
    prompt = build(family, template, deep=True)
    assert prompt == Prompt(text=TURNS + "<think>\n", starts_in_reasoning=True, thinking=True)
    assert REASONING not in prompt.text


@pytest.mark.parametrize(
    ("family", "template"),
    [
        (R1, bt.DEEPSEEK_R1),
        (R1, bt.DEEPSEEK_R1_ORIGINAL),
        (R1_0528, bt.DEEPSEEK_R1_0528),
        (DISTILL, bt.DEEPSEEK_R1_DISTILL),
        (DISTILL, bt.DEEPSEEK_R1_DISTILL_ORIGINAL),
    ],
)
def test_r1_without_deep_thinking_prefills_an_empty_think_block(
    family: FamilyInfo, template: str
) -> None:
    prompt = build(family, template, deep=False)
    assert prompt == Prompt(
        text=TURNS + "<think>\n\n</think>\n\n", starts_in_reasoning=False, thinking=False
    )
    assert REASONING not in prompt.text


@pytest.mark.parametrize("template", [bt.DEEPSEEK_V3, bt.DEEPSEEK_V3_0324, None])
def test_v3_renders_plainly(template: str | None) -> None:
    prompt = build(V3, template, deep=False)
    assert prompt == Prompt(text=TURNS, starts_in_reasoning=False, thinking=False)
    assert REASONING not in prompt.text


@pytest.mark.parametrize("template", [bt.DEEPSEEK_V3, None])
def test_v3_refuses_deep_thinking(template: str | None) -> None:
    with pytest.raises(ThinkingUnsupportedError) as caught:
        build(V3, template, deep=True)
    assert str(caught.value) == (
        "DeepSeek-V3-0324 cannot reason step by step. Turn off deep thinking, "
        "or use DeepSeek-R1 or a DeepSeek-V3.1 model for it."
    )


V3_1_TURNS = f"{BOS}<｜User｜>What is 2+2?<｜Assistant｜></think>4{EOS}<｜User｜>And 3+3?<｜Assistant｜>"


@pytest.mark.parametrize("template", [bt.DEEPSEEK_V3_1, None])
def test_v3_1_thinking_uses_the_template_variable(template: str | None) -> None:
    prompt = build(V3_1, template, deep=True)
    assert prompt == Prompt(text=V3_1_TURNS + "<think>", starts_in_reasoning=True, thinking=True)
    assert REASONING not in prompt.text


@pytest.mark.parametrize("template", [bt.DEEPSEEK_V3_1, None])
def test_v3_1_without_thinking_closes_the_block(template: str | None) -> None:
    prompt = build(V3_1, template, deep=False)
    assert prompt == Prompt(text=V3_1_TURNS + "</think>", starts_in_reasoning=False, thinking=False)


def test_v3_1_accepts_templates_that_only_know_enable_thinking() -> None:
    template = (
        "{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}"
        "{% if enable_thinking %}<think>{% else %}</think>{% endif %}"
    )
    prompt = build(V3_1, template, deep=True, messages=HISTORY[-1:])
    assert prompt == Prompt(text="<user>And 3+3?<think>", starts_in_reasoning=True, thinking=True)


def test_hybrid_template_that_ignores_the_variable_still_gets_a_think_block() -> None:
    prompt = build(V3_1, bt.DEEPSEEK_V3, deep=True)
    assert prompt == Prompt(text=TURNS + "<think>", starts_in_reasoning=True, thinking=True)


def test_r1_template_ending_in_a_bare_think_tag() -> None:
    template = "{% for m in messages %}[{{ m.content }}]{% endfor %}<think>"
    one = HISTORY[-1:]
    assert build(R1, template, deep=True, messages=one) == Prompt(
        text="[And 3+3?]<think>", starts_in_reasoning=True, thinking=True
    )
    assert build(R1, template, deep=False, messages=one) == Prompt(
        text="[And 3+3?]<think>\n\n</think>\n\n", starts_in_reasoning=False, thinking=False
    )


def test_other_family_without_a_template_gets_chatml_only_where_chatml_is_its_format() -> None:
    messages = (ChatMessage(Role.SYSTEM, "Be brief."), ChatMessage(Role.USER, "Hi"))
    assert fallback_template(ModelFamily.OTHER, "qwen2") == bt.CHATML_FALLBACK
    assert fallback_template(ModelFamily.OTHER, "gemma3") is None
    assert build_prompt(messages, OTHER, deep_thinking=False, chat_template=None, bos_token=BOS,
                        eos_token=EOS, arch="qwen3") == Prompt(
        text="<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
        "<|im_start|>assistant\n",
        starts_in_reasoning=False,
        thinking=False,
    )


def test_a_non_deepseek_model_without_a_template_never_gets_deepseeks() -> None:
    gemma = FamilyInfo(ModelFamily.OTHER, ThinkingMode.NEVER, "Gemma 3 270m")
    with pytest.raises(TemplateError) as err:
        build_prompt((ChatMessage(Role.USER, "Hi"),), gemma, deep_thinking=False,
                     chat_template=None, bos_token=BOS, eos_token=EOS, arch="gemma3")
    assert str(err.value) == (
        "Gemma 3 270m is not a DeepSeek model and its file has no chat template, so the app "
        "cannot tell how to talk to it. Use a GGUF file that includes its chat template."
    )


# --- history hygiene --------------------------------------------------------------------------


def test_reasoning_left_inside_an_answer_is_cut_at_the_last_think_close() -> None:
    messages = (
        ChatMessage(Role.USER, "What is 2+2?"),
        ChatMessage(Role.ASSISTANT, "<think>draft</think>still thinking</think>\n\n4"),
        ChatMessage(Role.USER, "And 3+3?"),
    )
    # V3's template does not cut reasoning itself, so this shows the prompt builder does.
    prompt = build(V3, bt.DEEPSEEK_V3, deep=False, messages=messages)
    assert prompt.text == (
        f"{BOS}<｜User｜>What is 2+2?<｜Assistant｜>\n\n4{EOS}<｜User｜>And 3+3?<｜Assistant｜>"
    )


def test_r1_folds_the_system_prompt_into_the_first_user_turn() -> None:
    messages = (
        ChatMessage(Role.SYSTEM, "Answer in French."),
        ChatMessage(Role.USER, "What is 2+2?"),
        ChatMessage(Role.ASSISTANT, "4", reasoning=REASONING),
        ChatMessage(Role.SYSTEM, "Be brief."),
        ChatMessage(Role.USER, "And 3+3?"),
    )
    prompt = build(R1, bt.DEEPSEEK_R1, deep=True, messages=messages)
    assert prompt.text == (
        f"{BOS}<｜User｜>Answer in French.\n\nBe brief.\n\nWhat is 2+2?<｜Assistant｜>4{EOS}"
        "<｜User｜>And 3+3?<｜Assistant｜><think>\n"
    )


def test_empty_system_prompt_is_not_folded() -> None:
    messages = (ChatMessage(Role.SYSTEM, "  "), ChatMessage(Role.USER, "Hi"))
    assert build(R1, bt.DEEPSEEK_R1, deep=True, messages=messages).text == (
        f"{BOS}<｜User｜>Hi<｜Assistant｜><think>\n"
    )


def test_v3_keeps_the_system_prompt_where_the_template_puts_it() -> None:
    messages = (ChatMessage(Role.SYSTEM, "Answer in French."), ChatMessage(Role.USER, "Hi"))
    assert build(V3, bt.DEEPSEEK_V3, deep=False, messages=messages).text == (
        f"{BOS}Answer in French.<｜User｜>Hi<｜Assistant｜>"
    )


# --- refusals ---------------------------------------------------------------------------------


def test_last_message_must_be_from_the_user() -> None:
    with pytest.raises(TemplateError) as caught:
        build(R1, bt.DEEPSEEK_R1, deep=True, messages=HISTORY[:2])
    assert str(caught.value) == (
        "The model can only answer a user message, but the conversation ends with an "
        "assistant message. Send a new message to continue."
    )


def test_empty_conversation_is_refused() -> None:
    with pytest.raises(TemplateError) as caught:
        build(R1, bt.DEEPSEEK_R1, deep=True, messages=())
    assert str(caught.value) == "There is no message to answer yet. Write a message first."


def test_unsafe_model_template_is_refused() -> None:
    with pytest.raises(UnsafeTemplateError) as caught:
        build(R1, "{{ ''.__class__.__mro__ }}", deep=True)
    assert str(caught.value) == (
        "The model's chat template tries to reach '__mro__', which a chat template never needs. "
        "It was not run; this file may have been tampered with."
    )


# --- continuing an answer that stopped while thinking -------------------------------------------


@pytest.mark.parametrize(("family", "template", "opened"), [
    (R1, bt.DEEPSEEK_R1, "<think>\n"),
    (V3_1, bt.DEEPSEEK_V3_1, "<think>"),
])
def test_continuing_appends_the_reasoning_inside_the_think_block(
    family: FamilyInfo, template: str, opened: str
) -> None:
    fresh = build(family, template, deep=True)
    prompt = build_prompt(HISTORY, family, deep_thinking=False, chat_template=template,
                          bos_token=BOS, eos_token=EOS, continue_reasoning="Three and three")
    assert fresh.text.endswith(opened)
    assert prompt == Prompt(text=fresh.text + "Three and three", starts_in_reasoning=True,
                            thinking=True)


def test_a_model_that_never_thinks_cannot_continue_thinking() -> None:
    with pytest.raises(ThinkingUnsupportedError, match="DeepSeek-V3-0324 cannot reason"):
        build_prompt(HISTORY, V3, deep_thinking=False, chat_template=bt.DEEPSEEK_V3_0324,
                     bos_token=BOS, eos_token=EOS, continue_reasoning="Three and three")
