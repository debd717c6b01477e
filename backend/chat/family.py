"""Which DeepSeek model a GGUF holds, whether it reasons, and the settings DeepSeek recommends.

The generation (R1, V3, V3.1, V3.2, V4, a distill) is decided by the architecture first
(`deepseek32` is V3.2, `deepseek4` V4), then the file's metadata and name, then its template
(V3.2's and V4's write tool calls in their own DSML blocks): quantizers name files freely.
Whether a model thinks, and which reasoning efforts it knows, is decided by rendering its own
chat template (sandboxed), and only then by its family's published facts (`facts`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from backend.chat.messages import Sampling
from backend.errors import TemplateError
from backend.i18n import translate

log = logging.getLogger(__name__)


class ModelFamily(StrEnum):
    R1 = "deepseek-r1"  # R1, R1-0528 (deepseek2 arch)
    R1_DISTILL = "deepseek-r1-distill"  # qwen2 / qwen3 / llama arch distills
    V3 = "deepseek-v3"  # V3, V3-0324: never thinks
    V3_1 = "deepseek-v3.1"  # V3.1, V3.1-Terminus (hybrid, deepseek2 arch)
    V3_2 = "deepseek-v3.2"  # V3.2, V3.2-Exp, V3.2-Speciale (deepseek32: sparse attention)
    V4 = "deepseek-v4"  # V4-Flash, V4-Pro and their updates (deepseek4), V4.1 (deepseek41)
    OTHER = "other"


class ThinkingMode(StrEnum):
    ALWAYS = "always"  # R1 + distills, V3.2-Speciale
    NEVER = "never"  # V3, V3-0324
    HYBRID = "hybrid"  # V3.1+, via the template variable `thinking` (alias enable_thinking)


# The template variable `reasoning_effort` takes these; each adds DeepSeek's effort preamble.
EFFORT_LEVELS = ("high", "max")


@dataclass(frozen=True, slots=True)
class FamilyInfo:
    family: ModelFamily
    thinking: ThinkingMode
    label: str  # human name, e.g. "DeepSeek-R1-0528", "DeepSeek-R1-Distill-Qwen-7B"
    # `reasoning_effort` values the model's template knows (V4: "max"; V4-Flash-0731: "high",
    # "max"); empty: no effort choice.
    effort_levels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FamilyFacts:
    """What DeepSeek publishes about a generation (model cards, chat encodings)."""

    thinking: ThinkingMode
    sampling: Sampling  # recommended sampler settings
    effort_levels: tuple[str, ...]  # what the built-in template knows; a file's own may know more
    system_prompt: bool  # False: instructions go in the first user turn (R1's advice)
    context_length: int  # tokens the model was trained for (0: depends on the file)
    default_context: int  # a context to start with that fits an ordinary machine's memory


_FACTS = {
    ModelFamily.R1: FamilyFacts(ThinkingMode.ALWAYS, Sampling(0.6, 0.95), (), False, 163840, 8192),
    ModelFamily.R1_DISTILL: FamilyFacts(
        ThinkingMode.ALWAYS, Sampling(0.6, 0.95), (), False, 131072, 8192),
    ModelFamily.V3: FamilyFacts(ThinkingMode.NEVER, Sampling(0.3, 1.0), (), True, 163840, 8192),
    ModelFamily.V3_1: FamilyFacts(ThinkingMode.HYBRID, Sampling(0.6, 0.95), (), True, 163840, 8192),
    # V3.2's card: temperature 1.0, top_p 0.95; 128K in DeepSeek's API, 160K positions.
    ModelFamily.V3_2: FamilyFacts(ThinkingMode.HYBRID, Sampling(1.0, 0.95), (), True, 163840, 8192),
    # V4's card: temperature 1.0, top_p 1.0; 1M context, whose compressed KV cache costs ~7 KB
    # a token, so a longer default still fits (Think Max wants >= 384K).
    ModelFamily.V4: FamilyFacts(
        ThinkingMode.HYBRID, Sampling(1.0, 1.0), ("max",), True, 1048576, 32768),
    ModelFamily.OTHER: FamilyFacts(ThinkingMode.NEVER, Sampling(0.7, 0.95), (), True, 0, 8192),
}

_DEEPSEEK_ARCHS = frozenset({"deepseek2", "deepseek32", "deepseek4"})
_DISTILL_ARCHS = frozenset({"qwen2", "qwen3", "llama"})
# DeepSeek architectures by generation; later ones (deepseek41, ...) are recognised by prefix.
_ARCH_FAMILY = {"deepseek32": ModelFamily.V3_2, "deepseek4": ModelFamily.V4}
_PRIMARY_KEYS = ("general.name", "general.basename", "general.finetune", "general.version")
_SPLIT_SUFFIX = re.compile(r"-\d{5}-of-\d{5}$")
# Quantization tags at the end of a file name: -Q4_K_M, .IQ1_S, -UD-Q2_K_XL, -BF16, ...
_QUANT_SUFFIX = re.compile(r"[-.](?:ud-)?(?:i?q\d\w*|bf16|f16|f32|mxfp4\w*)$", re.IGNORECASE)
_SIZE = re.compile(r"(?<![a-z0-9.])(\d+(?:\.\d+)?)b(?![a-z0-9])")
_V4 = re.compile(r"(?<![a-z0-9])v4(?![a-z0-9])")
_V4_1 = re.compile(r"(?<![a-z0-9])v4\.[1-9]")
_PROBE_MESSAGES = ({"role": "user", "content": "Hello"},)


def facts(family: ModelFamily) -> FamilyFacts:
    """DeepSeek's published facts for `family`."""
    return _FACTS[family]


def default_sampling(family: ModelFamily) -> Sampling:
    """DeepSeek's recommended sampler settings for the family (model cards)."""
    return _FACTS[family].sampling


def allows_system_prompt(family: ModelFamily) -> bool:
    """DeepSeek: R1 and its distills work best with no system prompt (put it in the user turn)."""
    return _FACTS[family].system_prompt


def is_newer_deepseek_arch(arch: str) -> bool:
    """A DeepSeek architecture newer than this app knows (V4.1's `deepseek41`, ...)."""
    return arch.startswith("deepseek") and arch not in _DEEPSEEK_ARCHS and arch not in (
        "deepseek", "deepseek2-ocr")


def _normalize(text: str) -> str:
    # Lower case, one separator; dots stay because "v3.1" is not "v3-1.58bit".
    return re.sub(r"[\s_/]+", "-", text.strip().lower())


def _clean_file_name(file_name: str) -> str:
    stem = file_name.rsplit("/", 1)[-1]
    if stem.lower().endswith(".gguf"):
        stem = stem[: -len(".gguf")]
    stem = _SPLIT_SUFFIX.sub("", stem)
    while True:
        shorter = _QUANT_SUFFIX.sub("", stem)
        if shorter == stem:
            return stem
        stem = shorter


def _texts(metadata: Mapping[str, object], file_name: str) -> tuple[list[str], list[str]]:
    """(primary names, base-model names): a model is named by its own keys before its parents'."""
    primary = [_normalize(_clean_file_name(file_name))] if file_name else []
    primary += [_normalize(v) for k in _PRIMARY_KEYS if isinstance(v := metadata.get(k), str)]
    base = [
        _normalize(value)
        for key, value in metadata.items()
        if key.startswith("general.base_model.")
        and key.endswith((".name", ".repo_url"))
        and isinstance(value, str)
    ]
    return [t for t in primary if t], [t for t in base if t]


def _has_token(text: str, token: str) -> bool:
    return re.search(rf"(?<![a-z0-9]){re.escape(token)}(?![a-z0-9])", text) is not None


def _family_from_text(text: str, deepseek_arch: bool) -> ModelFamily | None:
    deepseek = deepseek_arch or "deepseek" in text
    has_r1 = _has_token(text, "r1")
    if has_r1 and ("distill" in text or re.search(r"r1-0528-qwen", text)):
        return ModelFamily.R1_DISTILL
    if not deepseek:
        return None
    if _V4.search(text):
        return ModelFamily.V4
    if "v3.2" in text:
        return ModelFamily.V3_2
    if re.search(r"v3\.1|terminus", text):
        return ModelFamily.V3_1
    if has_r1:
        return ModelFamily.R1
    if _has_token(text, "v3"):
        return ModelFamily.V3
    return None


def _family_from_names(texts: list[str], deepseek_arch: bool) -> ModelFamily | None:
    for text in texts:
        family = _family_from_text(text, deepseek_arch)
        if family is not None:
            return family
    return None


def probe_thinking(chat_template: str | None) -> ThinkingMode | None:
    """Render the template with thinking on and off; None when it says nothing (or fails)."""
    if not chat_template or not chat_template.strip():
        return None
    from backend.chat.template_sandbox import render_chat_template  # Jinja loads only when needed

    try:
        on, off = (
            render_chat_template(
                chat_template,
                _PROBE_MESSAGES,
                add_generation_prompt=True,
                thinking=flag,
                enable_thinking=flag,
                tools=None,
            )
            for flag in (True, False)
        )
    except TemplateError as exc:
        # Refused or broken templates were never run past the check; the name decides instead.
        log.warning("Chat template not used to detect thinking: %s", exc)
        return None
    if on != off:
        return ThinkingMode.HYBRID
    if off.rstrip().endswith("<think>"):
        return ThinkingMode.ALWAYS
    return None


def probe_effort(chat_template: str | None) -> tuple[str, ...]:
    """The `reasoning_effort` levels the template knows: those that change its prompt."""
    if not chat_template or "reasoning_effort" not in chat_template:
        return ()
    from backend.chat.template_sandbox import render_chat_template

    def render(effort: str | None) -> str:
        extra = {} if effort is None else {"reasoning_effort": effort}
        return render_chat_template(chat_template, _PROBE_MESSAGES, add_generation_prompt=True,
                                    thinking=True, enable_thinking=True, tools=None, **extra)

    try:
        plain = render(None)
        return tuple(level for level in EFFORT_LEVELS if render(level) != plain)
    except TemplateError as exc:
        log.warning("Chat template not used to detect effort levels: %s", exc)
        return ()


def _template_family(chat_template: str | None) -> ModelFamily | None:
    """V3.2 and V4 templates write tool calls in DSML, each with its own block name."""
    if not chat_template or "DSML" not in chat_template:
        return None
    if "function_calls" in chat_template:
        return ModelFamily.V3_2
    return ModelFamily.V4 if "tool_calls" in chat_template else None


def _size(texts: list[str], metadata: Mapping[str, object]) -> str:
    for text in texts:
        if match := _SIZE.search(text):
            return f"{match.group(1)}B"
    size_label = metadata.get("general.size_label")
    if isinstance(size_label, str) and re.fullmatch(r"\d+(?:\.\d+)?[bB]", size_label):
        return size_label.upper()
    return ""


def _label(
    family: ModelFamily, arch: str, texts: list[str], metadata: Mapping[str, object], file_name: str
) -> str:
    joined = " ".join(texts)
    if family is ModelFamily.R1:
        return "DeepSeek-R1-0528" if "0528" in joined else "DeepSeek-R1"
    if family is ModelFamily.V3:
        return "DeepSeek-V3-0324" if "0324" in joined else "DeepSeek-V3"
    if family is ModelFamily.V4:
        return _v4_label(arch, joined)
    if family is ModelFamily.V3_2:
        if "speciale" in joined:
            return "DeepSeek-V3.2-Speciale"
        return "DeepSeek-V3.2-Exp" if re.search(r"v3\.2-exp", joined) else "DeepSeek-V3.2"
    if family is ModelFamily.V3_1:
        return "DeepSeek-V3.1-Terminus" if "terminus" in joined else "DeepSeek-V3.1"
    if family is ModelFamily.R1_DISTILL:
        size = _size(texts, metadata)
        suffix = f"-{size}" if size else ""
        if "0528" in joined and ("qwen3" in joined or arch == "qwen3"):
            return f"DeepSeek-R1-0528-Qwen3{suffix}"
        if "qwen" in joined or arch.startswith("qwen"):
            return f"DeepSeek-R1-Distill-Qwen{suffix}"
        if "llama" in joined or arch == "llama":
            return f"DeepSeek-R1-Distill-Llama{suffix}"
        return f"DeepSeek-R1-Distill{suffix}"
    name = metadata.get("general.name")
    if isinstance(name, str) and name.strip():
        return name.strip()
    if file_name and (stem := _clean_file_name(file_name)):
        return stem
    if arch:
        return translate("Family", "Unknown {arch} model").format(arch=arch)
    return translate("Family", "Unknown model")


def _v4_label(arch: str, joined: str) -> str:
    """e.g. DeepSeek-V4-Flash-0731, DeepSeek-V4-Pro, DeepSeek-V4.1-Flash."""
    if arch.startswith("deepseek41"):
        version = "V4.1"
    elif arch == "deepseek4" or (match := _V4_1.search(joined)) is None:
        version = "V4"
    else:
        version = match.group().upper()
    size = next((s for s in ("flash", "pro") if _has_token(joined, s)), "")
    name = f"DeepSeek-{version}" + (f"-{size.capitalize()}" if size else "")
    update = re.search(r"(?<![0-9])(0731|0813|1017)(?![0-9])", joined)
    return f"{name}-{update.group(1)}" if update else name


def detect_family(
    arch: str, metadata: Mapping[str, object], chat_template: str | None, file_name: str = ""
) -> FamilyInfo:
    """Classify a model from its architecture, GGUF metadata, chat template and file name."""
    arch = arch.strip().lower()
    deepseek_arch = arch in _DEEPSEEK_ARCHS
    primary, base = _texts(metadata, file_name)
    family = _family_from_names(primary, deepseek_arch) or _family_from_names(base, deepseek_arch)
    probed = probe_thinking(chat_template)

    if arch in _ARCH_FAMILY:
        family = _ARCH_FAMILY[arch]  # the architecture is the surest witness of a generation
    elif is_newer_deepseek_arch(arch):
        family = ModelFamily.V4  # V4.1 (deepseek41) or later: this llama.cpp cannot run it
    elif arch in _DISTILL_ARCHS:
        if family is ModelFamily.R1:
            family = ModelFamily.R1_DISTILL  # an R1 name on a dense Qwen/Llama body is a distill
        elif family in (ModelFamily.V3, ModelFamily.V3_1, ModelFamily.V3_2, ModelFamily.V4):
            family = None  # no V3 exists on these architectures; trust the template instead
        if family is None and probed is ThinkingMode.ALWAYS and "<｜Assistant｜>" in (
            chat_template or ""
        ):
            family = ModelFamily.R1_DISTILL  # a renamed distill still carries DeepSeek's markers
    elif deepseek_arch and family is None:
        # A deepseek2 file with no telling name: its template is the only witness. DeepSeek-V2
        # and Coder-V2 share this architecture and never reason, hence OTHER, not V3.
        family = _template_family(chat_template) or {
            ThinkingMode.HYBRID: ModelFamily.V3_1, ThinkingMode.ALWAYS: ModelFamily.R1,
        }.get(probed or ThinkingMode.NEVER, ModelFamily.OTHER)
    if family is None:
        family = ModelFamily.OTHER

    label = _label(family, arch, primary + base, metadata, file_name)
    thinking = probed if probed is not None else _FACTS[family].thinking
    if label.startswith("DeepSeek-V3.2-Speciale"):
        thinking = ThinkingMode.ALWAYS  # the same template as V3.2, but it only ever reasons
    efforts: tuple[str, ...] = ()
    if family in (ModelFamily.V3_2, ModelFamily.V4):
        # A file's own template decides; with none, the built-in one (and its levels) is used.
        efforts = probe_effort(chat_template) if chat_template else _FACTS[family].effort_levels
    return FamilyInfo(family=family, thinking=thinking, label=label, effort_levels=efforts)
