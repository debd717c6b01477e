"""Messages → prompt text, through the model's own chat template, with deep thinking on or off.

The prompt is rendered here rather than by llama.cpp because thinking switches are template
variables that `create_chat_completion` cannot pass. Earlier reasoning is never sent back
(DeepSeek's rule), and where the template leaves the think block open or shut is reported so the
reasoning splitter knows whether the first generated token is reasoning or answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from backend.chat import builtin_templates
from backend.chat.attachments import user_turn
from backend.chat.family import FamilyInfo, ModelFamily, ThinkingMode, allows_system_prompt
from backend.chat.messages import ChatMessage, Role
from backend.chat.tool_calls import split_tool_blocks
from backend.errors import EffortUnsupportedError, TemplateError, ThinkingUnsupportedError
from backend.i18n import translate

THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"
# Used when the GGUF carries no template. R1 distills get R1's: the two differ only in system
# prompt and tool handling, and both are neutralized here (system folded into the user turn, no
# tools). A model of no DeepSeek family never gets a DeepSeek format it would never have seen:
# ChatML where ChatML is its architecture's own format (Qwen), otherwise nothing (see
# `fallback_template`).
_FALLBACK_TEMPLATES = {
    ModelFamily.R1: builtin_templates.DEEPSEEK_R1,
    ModelFamily.R1_DISTILL: builtin_templates.DEEPSEEK_R1,
    ModelFamily.V3: builtin_templates.DEEPSEEK_V3,
    ModelFamily.V3_1: builtin_templates.DEEPSEEK_V3_1,
    ModelFamily.V3_2: builtin_templates.DEEPSEEK_V3_2,
    ModelFamily.V4: builtin_templates.DEEPSEEK_V4,
}
_CHATML_ARCHS = frozenset({"qwen2", "qwen2moe", "qwen3", "qwen3moe"})
# The families whose templates switch thinking themselves and know `reasoning_effort`.
_TEMPLATE_SWITCHED = (ModelFamily.V3_2, ModelFamily.V4)


@dataclass(frozen=True, slots=True)
class Prompt:
    """A rendered prompt. `text` already holds the BOS token: tokenize it without adding one."""

    text: str
    # The prompt ends inside <think>: generated text before </think> is reasoning.
    starts_in_reasoning: bool
    thinking: bool  # the model reasons on this turn


def fallback_template(family: ModelFamily, arch: str = "") -> str | None:
    """The built-in template used for `family` when a file has none; None: there is none that
    fits (a model of no DeepSeek family, on an architecture whose format is not ChatML)."""
    if family is ModelFamily.OTHER:
        return builtin_templates.CHATML_FALLBACK if arch in _CHATML_ARCHS else None
    return _FALLBACK_TEMPLATES[family]


def _answer_only(content: str) -> str:
    # Reasoning that leaked into stored content (e.g. a raw transcript) goes too, and so do the
    # tool calls the model tried: the app ran no tool, so they never happened.
    content = content.rsplit(THINK_CLOSE, 1)[-1] if THINK_CLOSE in content else content
    return split_tool_blocks(content)[0]


def _template_messages(
    messages: Sequence[ChatMessage], fold_system: bool
) -> list[dict[str, str]]:
    """The history as the template sees it: roles and answers only, never reasoning; a user's
    attached files written into their turn. Without a system role (`fold_system`), the system
    text leads the first user turn."""
    system_texts = [m.content for m in messages if m.role is Role.SYSTEM and m.content.strip()]
    result: list[dict[str, str]] = []
    folded = not fold_system or not system_texts
    for message in messages:
        if message.role is Role.SYSTEM:
            if not fold_system and message.content.strip():
                result.append({"role": "system", "content": message.content})
            continue
        content = user_turn(message)  # attached files lead a user's text
        if message.role is Role.ASSISTANT:
            content = _answer_only(content)
        elif not folded:
            # DeepSeek advises R1 against system prompts: the instructions lead the first question.
            content = "\n\n".join([*system_texts, content])
            folded = True
        result.append({"role": str(message.role), "content": content})
    return result


def _ends_inside_think(text: str) -> bool:
    tail = text.rstrip()
    return tail.endswith(THINK_OPEN) and not tail.endswith(THINK_CLOSE)


def build_prompt(
    messages: Sequence[ChatMessage],
    family: FamilyInfo,
    *,
    deep_thinking: bool,
    chat_template: str | None,
    bos_token: str,
    eos_token: str,
    continue_reasoning: str = "",
    reasoning_effort: str | None = None,
    arch: str = "",
) -> Prompt:
    """Render `messages` for `family`'s model, ending where its answer (or reasoning) begins.

    `continue_reasoning` (an answer that stopped while thinking) is appended inside the opened
    think block, so the model goes on from where it stopped. `reasoning_effort` ("high", "max")
    goes to the template with deep thinking on; it must be one of `family.effort_levels`.
    `arch` picks a fallback for a file with no template.
    """
    if continue_reasoning:
        prompt = build_prompt(messages, family, deep_thinking=True, chat_template=chat_template,
                              bos_token=bos_token, eos_token=eos_token,
                              reasoning_effort=reasoning_effort, arch=arch)
        if not prompt.starts_in_reasoning:
            raise ThinkingUnsupportedError(translate(
                "Prompting", "{model} cannot go on thinking: it does not reason step by step. "
                "Regenerate the answer instead.").format(model=family.label))
        return Prompt(text=prompt.text + continue_reasoning, starts_in_reasoning=True,
                      thinking=True)
    if not messages:
        raise TemplateError(translate(
            "Prompting", "There is no message to answer yet. Write a message first."
        ))
    if messages[-1].role is Role.ASSISTANT:
        raise TemplateError(translate(
            "Prompting",
            "The model can only answer a user message, but the conversation ends with "
            "an assistant message. Send a new message to continue.",
        ))
    if messages[-1].role is not Role.USER:
        raise TemplateError(translate(
            "Prompting",
            "The model can only answer a user message, but the conversation ends with "
            "a system message. Send a new message to continue.",
        ))
    if deep_thinking and family.thinking is ThinkingMode.NEVER:
        raise ThinkingUnsupportedError(translate(
            "Prompting",
            "{model} cannot reason step by step. Turn off deep thinking, "
            "or use DeepSeek-R1 or a DeepSeek-V3.1 model for it.",
        ).format(model=family.label))

    if reasoning_effort is not None and reasoning_effort not in family.effort_levels:
        raise EffortUnsupportedError(_no_effort(family, reasoning_effort))
    template_switched = family.family in _TEMPLATE_SWITCHED
    if template_switched and family.thinking is ThinkingMode.ALWAYS:
        deep_thinking = True  # V3.2-Speciale: the same template, but it only ever reasons

    from backend.chat.template_sandbox import render_chat_template  # Jinja loads only when needed

    template = chat_template if chat_template and chat_template.strip() else None
    if template is None:
        template = fallback_template(family.family, arch)
    if template is None:
        raise TemplateError(translate(
            "Prompting",
            "{model} is not a DeepSeek model and its file has no chat template, so the app "
            "cannot tell how to talk to it. Use a GGUF file that includes its chat template.",
        ).format(model=family.label))
    effort = {"reasoning_effort": reasoning_effort} if deep_thinking and reasoning_effort else {}
    text = render_chat_template(
        template,
        _template_messages(messages, fold_system=not allows_system_prompt(family.family)),
        add_generation_prompt=True,
        bos_token=bos_token,
        eos_token=eos_token,
        thinking=deep_thinking,
        enable_thinking=deep_thinking,
        tools=None,
        **effort,
    )

    if template_switched:
        # V3.2 and V4: the template ends in <think> (thinking) or closes the block itself
        # (`<think></think>`, `</think>`); a community template may do neither.
        if deep_thinking and not _ends_inside_think(text):
            text += THINK_OPEN
        return Prompt(text=text, starts_in_reasoning=_ends_inside_think(text),
                      thinking=deep_thinking)

    if family.thinking is ThinkingMode.ALWAYS:
        # Old R1 templates stop at the assistant marker; new ones already open the block.
        if text.endswith(THINK_OPEN + "\n"):
            opened = text
        elif text.endswith(THINK_OPEN):
            opened = text + "\n"
        else:
            opened = text + THINK_OPEN + "\n"
        if deep_thinking:
            return Prompt(text=text if _ends_inside_think(text) else opened,
                          starts_in_reasoning=True, thinking=True)
        # An empty think block, as R1 writes it when it skips reasoning: it answers at once.
        return Prompt(text=opened + "\n" + THINK_CLOSE + "\n\n",
                      starts_in_reasoning=False, thinking=False)

    if family.thinking is ThinkingMode.NEVER:
        return Prompt(text=text, starts_in_reasoning=False, thinking=False)

    # HYBRID: the template variable did the work; some templates ignore it, so make sure.
    if deep_thinking and not _ends_inside_think(text):
        text += THINK_OPEN
    return Prompt(text=text, starts_in_reasoning=_ends_inside_think(text), thinking=deep_thinking)


def _no_effort(family: FamilyInfo, effort: str) -> str:
    if family.effort_levels:
        return translate(
            "Prompting",
            "{model} knows the reasoning efforts {levels}, not '{effort}'.",
        ).format(model=family.label, levels=", ".join(family.effort_levels), effort=effort)
    return translate(
        "Prompting",
        "{model} has no reasoning effort levels: its chat template knows no effort setting. "
        "Ask without one.",
    ).format(model=family.label)
