"""Sandboxed rendering of a model's own Jinja chat template (GGUF `tokenizer.chat_template`).

A downloaded file's template is code written by a stranger. It is parsed and checked before
anything runs, then rendered in Jinja's immutable sandbox with only the helpers that Hugging Face
transformers offers templates, so what renders there renders here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from backend.errors import TemplateError, UnsafeTemplateError
from backend.i18n import translate

# Names a template may read without defining them. Anything else resolves to Undefined (harmless),
# but a template that *calls* or *takes an attribute of* a name we never provide is reaching for
# an object it expects some other host to have lent it (Flask's `config`, `os`, ...).
_GLOBALS = frozenset({"range", "dict", "namespace", "raise_exception", "strftime_now"})
_RENDER_INPUTS = frozenset({"messages", "add_generation_prompt", "bos_token", "eos_token"})
# Optional inputs that real templates test with `is defined` (HF and llama.cpp conventions).
_KNOWN_OPTIONAL_INPUTS = frozenset({
    "tools", "documents", "thinking", "enable_thinking", "custom_tools", "builtin_tools",
    "tools_in_user_message", "date_string", "available_tools", "reasoning_effort",
    "response_format", "add_vision_id", "continue_final_message", "model_identity",
    "unk_token", "pad_token", "system_message", "keep_past_thinking", "drop_thinking",
})
# Jinja's own names inside loops, macros and call blocks.
_JINJA_SPECIALS = frozenset({"loop", "caller", "varargs", "kwargs"})
# Never provided, and the usual first step of a template-injection exploit: refused on sight.
_FORBIDDEN_NAMES = frozenset({
    "self", "lipsum", "cycler", "joiner", "config", "request", "session", "os", "sys",
    "builtins", "importlib", "subprocess", "eval", "exec", "compile", "open", "getattr",
    "setattr", "globals", "locals", "vars", "url_for", "get_flashed_messages",
})
# Filters that take an attribute name as a string argument.
_ATTRIBUTE_FILTERS = frozenset({
    "attr", "map", "selectattr", "rejectattr", "sort", "groupby", "sum", "unique", "min", "max",
})
_DUNDER = re.compile(r"__\w*__")

# Limits on the only operators that can allocate without bound from a short template.
_MAX_REPEAT_LEN = 1_000_000
_MAX_EXPONENT = 1_000


def _tojson(
    value: object,
    ensure_ascii: bool = False,
    indent: int | None = None,
    separators: tuple[str, str] | None = None,
    sort_keys: bool = False,
) -> str:
    # Same signature and defaults as transformers' `tojson` (not Jinja's HTML-escaping one).
    return json.dumps(
        value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys
    )


def _from_json(text: str) -> object:
    # DeepSeek's V3.2/V4 templates read tool-call arguments given as a JSON string (llama.cpp's
    # helper of the same name). Only JSON values come out: no object reaches Python internals.
    if not isinstance(text, str):
        raise TypeError(f"from_json expects a string, got {type(text).__name__}")
    if len(text) > _MAX_REPEAT_LEN:
        raise SecurityError(translate("ChatTemplate", "a JSON text this long is not allowed"))
    return json.loads(text)


def _raise_exception(message: str) -> None:
    raise TemplateError(translate(
        "ChatTemplate", "The model's chat template refused this conversation: {message}"
    ).format(message=message))


def _strftime_now(date_format: str) -> str:
    return datetime.now().strftime(date_format)


class _ChatTemplateEnvironment(ImmutableSandboxedEnvironment):
    """The immutable sandbox, plus caps on `*` and `**`, which could exhaust memory or CPU."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if (isinstance(seq, (str, list, tuple)) and isinstance(count, int)
                        and len(seq) * count > _MAX_REPEAT_LEN):
                    raise SecurityError(translate(
                        "ChatTemplate", "repeating a value this many times is not allowed"
                    ))
        if operator == "**" and isinstance(right, int) and abs(right) > _MAX_EXPONENT:
            raise SecurityError(translate("ChatTemplate", "an exponent this large is not allowed"))
        return super().call_binop(context, operator, left, right)


def _make_environment() -> ImmutableSandboxedEnvironment:
    env = _ChatTemplateEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"]
    )
    # Drop the default helpers no chat template uses; each is a known path to Python internals.
    for name in ("lipsum", "cycler", "joiner"):
        env.globals.pop(name, None)
    env.globals["raise_exception"] = _raise_exception
    env.globals["strftime_now"] = _strftime_now
    env.filters["tojson"] = _tojson
    env.filters["from_json"] = _from_json
    return env


_ENV = _make_environment()


def _unsafe(what: str) -> UnsafeTemplateError:
    return UnsafeTemplateError(translate(
        "ChatTemplate",
        "The model's chat template tries to reach '{what}', which a chat template never needs. "
        "It was not run; this file may have been tampered with.",
    ).format(what=what))


def _walk(node: nodes.Node) -> Iterator[nodes.Node]:
    yield node
    for child in node.iter_child_nodes():
        yield from _walk(child)


def _declared_names(tree: nodes.Template) -> set[str]:
    # Scope-insensitive on purpose: a name the template defines anywhere counts as its own.
    declared: set[str] = set()
    for node in _walk(tree):
        if isinstance(node, nodes.Name) and node.ctx in ("store", "param"):
            declared.add(node.name)
        elif isinstance(node, (nodes.Macro, nodes.CallBlock)):
            declared.update(arg.name for arg in node.args)
            if isinstance(node, nodes.Macro):
                declared.add(node.name)
    return declared


def _attribute_argument(node: nodes.Filter) -> Iterator[nodes.Expr]:
    if node.name in _ATTRIBUTE_FILTERS:
        yield from node.args
        yield from (kw.value for kw in node.kwargs if kw.key == "attribute")


def _check(tree: nodes.Template) -> None:
    """Refuse a template that reaches past the data it is given. Raises `UnsafeTemplateError`."""
    declared = _declared_names(tree)
    allowed = _GLOBALS | _RENDER_INPUTS | _KNOWN_OPTIONAL_INPUTS | _JINJA_SPECIALS | declared
    for node in _walk(tree):
        if isinstance(node, nodes.Import):
            raise _unsafe("{% import %}")
        if isinstance(node, nodes.FromImport):
            raise _unsafe("{% from ... import %}")
        if isinstance(node, nodes.Include):
            raise _unsafe("{% include %}")
        if isinstance(node, nodes.Extends):
            raise _unsafe("{% extends %}")
        if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
            raise _unsafe(node.attr)
        if isinstance(node, nodes.Getitem):
            key = node.arg
            if (isinstance(key, nodes.Const) and isinstance(key.value, str)
                    and key.value.startswith("_")):
                raise _unsafe(key.value)
        if isinstance(node, nodes.Filter):
            for arg in _attribute_argument(node):
                if node.name == "attr" and not isinstance(arg, nodes.Const):
                    raise _unsafe(translate("ChatTemplate", "|attr() with a computed name"))
                if isinstance(arg, nodes.Const) and str(arg.value).startswith("_"):
                    raise _unsafe(str(arg.value))
        if isinstance(node, nodes.Const) and isinstance(node.value, str):
            dunder = _DUNDER.search(node.value)
            if dunder:
                raise _unsafe(dunder.group())
        if (isinstance(node, nodes.Name) and node.ctx == "load"
                and node.name in _FORBIDDEN_NAMES and node.name not in declared):
            raise _unsafe(node.name)
        if isinstance(node, (nodes.Getattr, nodes.Call)):
            base = node.node
            if isinstance(base, nodes.Name) and base.name not in allowed:
                raise _unsafe(base.name)


@lru_cache(maxsize=32)
def _compile(source: str) -> jinja2.Template:
    # Cached on the source: a model's template is checked and compiled once per session.
    try:
        tree = _ENV.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(translate(
            "ChatTemplate",
            "The model's chat template has a syntax error on line {line}: {error}. "
            "The template inside the file cannot be used.",
        ).format(line=exc.lineno, error=exc.message)) from None
    _check(tree)
    try:
        return _ENV.from_string(tree)
    except jinja2.TemplateError as exc:  # pragma: no cover - parse already succeeded
        raise TemplateError(translate(
            "ChatTemplate", "The model's chat template could not be compiled: {error}"
        ).format(error=exc)) from None


def check_chat_template(template: str) -> None:
    """Parse and vet `template` without running it. Raises `TemplateError`/`UnsafeTemplateError`."""
    _compile(template)


def render_chat_template(
    template: str,
    messages: Sequence[Mapping[str, str]],
    *,
    add_generation_prompt: bool,
    bos_token: str = "",
    eos_token: str = "",
    **variables: object,
) -> str:
    """Render `template` for `messages` in the sandbox; every failure becomes a `TemplateError`."""
    compiled = _compile(template)  # refuses a hostile template before any of it runs
    context: dict[str, object] = {
        "messages": [dict(message) for message in messages],
        "add_generation_prompt": add_generation_prompt,
        "bos_token": bos_token,
        "eos_token": eos_token,
        **variables,
    }
    try:
        return compiled.render(context)
    except TemplateError:
        raise  # raise_exception() from the template: its message is already for the user
    except SecurityError as exc:
        raise UnsafeTemplateError(translate(
            "ChatTemplate",
            "The model's chat template tried to do something a chat template never needs "
            "({error}). It was stopped; this file may have been tampered with.",
        ).format(error=exc)) from None
    except jinja2.UndefinedError as exc:
        raise TemplateError(_failed(exc.message)) from None
    # A template is foreign code: what its expressions can raise is the file's failure, not ours.
    except (jinja2.TemplateError, TypeError, ValueError, LookupError, AttributeError,
            ArithmeticError, RecursionError) as exc:
        raise TemplateError(_failed(f"{type(exc).__name__}: {exc}")) from None


def _failed(error: object) -> str:
    return translate(
        "ChatTemplate", "The model's chat template failed while building the prompt: {error}."
    ).format(error=error)
