"""The chat-template sandbox: HF-compatible helpers, hostile templates refused before they run."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from datetime import datetime

import pytest

from backend.chat import builtin_templates
from backend.chat.template_sandbox import check_chat_template, render_chat_template
from backend.errors import TemplateError, UnsafeTemplateError

USER = [{"role": "user", "content": "Hi"}]


def unsafe_message(what: str) -> str:
    return (
        f"The model's chat template tries to reach '{what}', which a chat template never needs. "
        "It was not run; this file may have been tampered with."
    )


class SpyMessage(Mapping[str, str]):
    """A message that records every read, to prove a refused template never touched its data."""

    def __init__(self) -> None:
        self.reads = 0
        self._data = {"role": "user", "content": "secret"}

    def __getitem__(self, key: str) -> str:
        self.reads += 1
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        self.reads += 1
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


# --- rendering like transformers --------------------------------------------------------------


def test_trim_and_lstrip_blocks_leave_no_stray_whitespace() -> None:
    template = (
        "{% for message in messages %}\n"
        "    {% if message['role'] == 'user' %}\n"
        "[{{ message['content'] }}]\n"
        "    {% endif %}\n"
        "{% endfor %}\n"
        "{% if add_generation_prompt %}>{% endif %}"
    )
    messages = [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]
    assert render_chat_template(template, messages, add_generation_prompt=True) == "[a]\n[b]\n>"


def test_special_tokens_and_extra_variables_reach_the_template() -> None:
    template = "{{ bos_token }}{{ messages[0].content }}{{ eos_token }}|{{ thinking }}|{{ tools }}"
    text = render_chat_template(
        template, USER, add_generation_prompt=False, bos_token="<s>", eos_token="</s>",
        thinking=True, tools=None,
    )
    assert text == "<s>Hi</s>|True|None"


def test_loop_controls_are_enabled() -> None:
    template = (
        "{% for m in messages %}{% if loop.index > 2 %}{% break %}{% endif %}"
        "{{ m.content }}{% endfor %}"
    )
    messages = [{"role": "user", "content": c} for c in "abcd"]
    assert render_chat_template(template, messages, add_generation_prompt=False) == "ab"


def test_namespace_is_allowed() -> None:
    template = (
        "{% set ns = namespace(n=0) %}{% for m in messages %}{% set ns.n = ns.n + 1 %}"
        "{% endfor %}{{ ns.n }}"
    )
    assert render_chat_template(template, USER * 3, add_generation_prompt=False) == "3"


def test_tojson_accepts_transformers_keyword_arguments() -> None:
    template = (
        "{{ tools | tojson(indent=2, sort_keys=True) }}/{{ tools | tojson(separators=(',', ':')) }}"
        "/{{ 'é' | tojson }}/{{ 'é' | tojson(ensure_ascii=True) }}"
    )
    text = render_chat_template(
        template, [], add_generation_prompt=False, tools={"b": 1, "a": [2]}
    )
    assert text == '{\n  "a": [\n    2\n  ],\n  "b": 1\n}/{"b":1,"a":[2]}/"é"/"\\u00e9"'


def test_strftime_now_formats_the_current_time() -> None:
    before = datetime.now().strftime("%Y-%m")
    text = render_chat_template("{{ strftime_now('%Y-%m') }}", [], add_generation_prompt=False)
    assert text in {before, datetime.now().strftime("%Y-%m")}


def test_raise_exception_becomes_a_template_error_with_the_templates_message() -> None:
    template = (
        "{% if messages[0]['role'] != 'system' %}{{ raise_exception('System first!') }}"
        "{% endif %}"
    )
    with pytest.raises(TemplateError) as caught:
        render_chat_template(template, USER, add_generation_prompt=True)
    assert type(caught.value) is TemplateError
    assert str(caught.value) == "The model's chat template refused this conversation: System first!"


def test_compiled_templates_are_cached() -> None:
    from backend.chat.template_sandbox import _compile

    template = "{{ messages | length }} cached"
    render_chat_template(template, USER, add_generation_prompt=False)
    hits = _compile.cache_info().hits
    assert render_chat_template(template, USER * 2, add_generation_prompt=False) == "2 cached"
    assert _compile.cache_info().hits == hits + 1


@pytest.mark.parametrize("name", sorted(builtin_templates.BUILTIN_TEMPLATES))
def test_every_builtin_template_passes_the_safety_check(name: str) -> None:
    check_chat_template(builtin_templates.BUILTIN_TEMPLATES[name])


def test_builtin_templates_are_the_pinned_texts() -> None:
    # Guards the verbatim upstream text against accidental edits (sha256 of each constant).
    digests = {
        name: hashlib.sha256(text.encode()).hexdigest()[:16]
        for name, text in builtin_templates.BUILTIN_TEMPLATES.items()
    }
    assert digests == {
        "deepseek-r1": "563b1ce7d61d50a9",
        "deepseek-r1-original": "3a3036eeb96ca0e4",
        "deepseek-r1-0528": "53671bac29bcb3e1",
        "deepseek-v3": "3b8267e54b67df65",
        "deepseek-v3-0324": "22e97ba043dacf9d",
        "deepseek-v3.1": "45690185067ea25c",
        "deepseek-r1-distill": "56a1447ad31926fd",
        # Byte-identical to llama.cpp's deepseek-ai-DeepSeek-R1-Distill-Llama-8B.jinja.
        "deepseek-r1-distill-original": "b6835114b7303ddd",
        # Written here from DeepSeek's Python encoders (no upstream Jinja exists).
        "deepseek-v3.2": "3d8ee52d1cc67311",
        "deepseek-v4": "f15ebfcbc08ca02f",
        "chatml": "17762d2e5131cb2a",
    }


def test_a_qwen_style_template_with_string_methods_is_accepted() -> None:
    template = (
        "{%- for message in messages[::-1] %}{%- set index = (messages|length - 1) - loop.index0 %}"
        "{%- if message.content is string and message.content.startswith('H') %}"
        "{{- index ~ ':' ~ message.content.split('i')[0] ~ message.get('x', '!') }}{%- endif %}"
        "{%- endfor %}{%- if enable_thinking is defined and enable_thinking is false %}"
        "{{- '<think>\\n\\n</think>\\n\\n' }}{%- endif %}"
    )
    text = render_chat_template(template, USER, add_generation_prompt=True, enable_thinking=False)
    assert text == "0:H!<think>\n\n</think>\n\n"


# --- hostile templates ------------------------------------------------------------------------

HOSTILE = [
    ("{{ ''.__class__.__mro__ }}", "__mro__"),
    ("{{ cycler.__init__.__globals__.os }}", "__globals__"),
    ("{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}", "__subclasses__"),
    ("{{ self.__dict__ }}", "__dict__"),
    ("{% import 'os' as os %}", "{% import %}"),
    ("{{ os.system('x') }}", "os"),
    ("{% from 'x' import y %}", "{% from ... import %}"),
    ("{% include 'x' %}", "{% include %}"),
    ("{% extends 'x' %}", "{% extends %}"),
    ("{{ self }}", "self"),
    ("{{ lipsum }}", "lipsum"),
    ("{{ joiner() }}", "joiner"),
    ("{{ config.items() }}", "config"),
    ("{{ messages[0]['__class__'] }}", "__class__"),
    ("{{ messages | attr('__class__') }}", "__class__"),
    ("{% set n = 'x' %}{{ messages | attr(n) }}", "|attr() with a computed name"),
    ("{{ messages | map(attribute='__class__') | list }}", "__class__"),
    ("{{ '{0.__class__}'.format(messages) }}", "__class__"),
    ("{{ request.application }}", "request"),
    ("{{ lookup('x') }}", "lookup"),
]


@pytest.mark.parametrize(("template", "what"), HOSTILE)
def test_hostile_template_is_refused_by_name(template: str, what: str) -> None:
    with pytest.raises(UnsafeTemplateError) as caught:
        render_chat_template(template, USER, add_generation_prompt=True)
    assert str(caught.value) == unsafe_message(what)


@pytest.mark.parametrize(("template", "what"), HOSTILE)
def test_hostile_template_runs_nothing(template: str, what: str) -> None:
    spy = SpyMessage()
    with pytest.raises(UnsafeTemplateError):
        # The first statement would read the message if any of the template were run.
        render_chat_template(
            "{{ messages[0]['content'] }}" + template, [spy], add_generation_prompt=True
        )
    assert spy.reads == 0


def test_spy_message_does_record_reads() -> None:
    # The control for the test above: a harmless template does read the spy.
    spy = SpyMessage()
    text = render_chat_template("{{ messages[0]['content'] }}", [spy], add_generation_prompt=True)
    assert text == "secret"
    assert spy.reads > 0


RUNTIME_HOSTILE = [
    (
        "{% set l = [] %}{{ l.append(1) }}",
        "access to attribute 'append' of 'list' object is unsafe.",
    ),
    (
        "{% set n = '__cla' ~ 'ss__' %}{{ ''[n].mro() }}",
        "access to attribute '__class__' of 'str' object is unsafe.",
    ),
    ("{{ 'a' * 100000000 }}", "repeating a value this many times is not allowed"),
    ("{{ 2 ** 100000 }}", "an exponent this large is not allowed"),
]


@pytest.mark.parametrize(("template", "reason"), RUNTIME_HOSTILE)
def test_sandbox_violations_at_render_time_become_unsafe_template_errors(
    template: str, reason: str
) -> None:
    with pytest.raises(UnsafeTemplateError) as caught:
        render_chat_template(template, USER, add_generation_prompt=True)
    assert str(caught.value) == (
        f"The model's chat template tried to do something a chat template never needs ({reason}). "
        "It was stopped; this file may have been tampered with."
    )


# --- broken templates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "message"),
    [
        (
            "{% if %}",
            "The model's chat template has a syntax error on line 1: Expected an expression, got "
            "'end of statement block'. The template inside the file cannot be used.",
        ),
        (
            "{{ bos_token }}\n{% for m in messages %}\n{{ m.content }",
            "The model's chat template has a syntax error on line 3: unexpected '}'. "
            "The template inside the file cannot be used.",
        ),
        (
            "{{ messages[0].nope.deeper }}",
            "The model's chat template failed while building the prompt: "
            "'dict object' has no attribute 'nope'.",
        ),
        (
            "{{ 1 / 0 }}",
            "The model's chat template failed while building the prompt: "
            "ZeroDivisionError: division by zero.",
        ),
        (
            "{{ messages[0].content + 1 }}",
            "The model's chat template failed while building the prompt: "
            'TypeError: can only concatenate str (not "int") to str.',
        ),
    ],
)
def test_broken_template_gives_a_template_error(template: str, message: str) -> None:
    with pytest.raises(TemplateError) as caught:
        render_chat_template(template, USER, add_generation_prompt=True)
    assert type(caught.value) is TemplateError
    assert str(caught.value) == message


def test_undefined_optional_variables_render_empty() -> None:
    # Templates probe optional inputs with `is defined`; a plain unknown name is harmless.
    template = "{% if custom_tools is defined %}x{% endif %}{{ date_string }}|{{ whatever }}|"
    assert render_chat_template(template, USER, add_generation_prompt=True) == "||"
