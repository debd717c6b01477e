"""Which DeepSeek model a GGUF holds, whether it reasons, and the settings DeepSeek recommends.

Names lie less than nothing but more than templates: whether a model thinks is decided first by
rendering its own chat template (sandboxed) both ways, and only then by its name and architecture.
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
    V3_1 = "deepseek-v3.1"  # V3.1, V3.1-Terminus, V3.2, V4 (hybrid)
    OTHER = "other"


class ThinkingMode(StrEnum):
    ALWAYS = "always"  # R1 + distills
    NEVER = "never"  # V3, V3-0324
    HYBRID = "hybrid"  # V3.1+, via the template variable `thinking` (alias enable_thinking)


@dataclass(frozen=True, slots=True)
class FamilyInfo:
    family: ModelFamily
    thinking: ThinkingMode
    label: str  # human name, e.g. "DeepSeek-R1-0528", "DeepSeek-R1-Distill-Qwen-7B"


_DEEPSEEK_ARCHS = frozenset({"deepseek2", "deepseek32", "deepseek4"})
_DISTILL_ARCHS = frozenset({"qwen2", "qwen3", "llama"})
_FAMILY_THINKING = {
    ModelFamily.R1: ThinkingMode.ALWAYS,
    ModelFamily.R1_DISTILL: ThinkingMode.ALWAYS,
    ModelFamily.V3: ThinkingMode.NEVER,
    ModelFamily.V3_1: ThinkingMode.HYBRID,
    ModelFamily.OTHER: ThinkingMode.NEVER,
}
_PRIMARY_KEYS = ("general.name", "general.basename", "general.finetune", "general.version")
_SPLIT_SUFFIX = re.compile(r"-\d{5}-of-\d{5}$")
# Quantization tags at the end of a file name: -Q4_K_M, .IQ1_S, -UD-Q2_K_XL, -BF16, ...
_QUANT_SUFFIX = re.compile(r"[-.](?:ud-)?(?:i?q\d\w*|bf16|f16|f32|mxfp4\w*)$", re.IGNORECASE)
_SIZE = re.compile(r"(?<![a-z0-9.])(\d+(?:\.\d+)?)b(?![a-z0-9])")
_PROBE_MESSAGES = ({"role": "user", "content": "Hello"},)


def default_sampling(family: ModelFamily) -> Sampling:
    """DeepSeek's recommended sampler settings for the family (model cards)."""
    if family is ModelFamily.V3:
        return Sampling(temperature=0.3, top_p=1.0)
    if family is ModelFamily.OTHER:
        return Sampling(temperature=0.7, top_p=0.95)
    return Sampling(temperature=0.6, top_p=0.95)


def allows_system_prompt(family: ModelFamily) -> bool:
    """DeepSeek: R1 and its distills work best with no system prompt (put it in the user turn)."""
    return family not in (ModelFamily.R1, ModelFamily.R1_DISTILL)


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
    if re.search(r"v3\.[12]|terminus|(?<![a-z0-9])v4(?![a-z0-9])", text):
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
    if family is ModelFamily.V3_1:
        if arch == "deepseek4" or re.search(r"(?<![a-z0-9])v4(?![a-z0-9])", joined):
            return "DeepSeek-V4"
        if arch == "deepseek32" or "v3.2" in joined:
            return "DeepSeek-V3.2-Exp" if re.search(r"v3\.2-exp", joined) else "DeepSeek-V3.2"
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


def detect_family(
    arch: str, metadata: Mapping[str, object], chat_template: str | None, file_name: str = ""
) -> FamilyInfo:
    """Classify a model from its architecture, GGUF metadata, chat template and file name."""
    arch = arch.strip().lower()
    deepseek_arch = arch in _DEEPSEEK_ARCHS
    primary, base = _texts(metadata, file_name)
    family = _family_from_names(primary, deepseek_arch) or _family_from_names(base, deepseek_arch)
    probed = probe_thinking(chat_template)

    if arch in ("deepseek32", "deepseek4"):
        family = ModelFamily.V3_1  # V3.2 and V4 are hybrid reasoners whatever the file is called
    elif arch in _DISTILL_ARCHS:
        if family is ModelFamily.R1:
            family = ModelFamily.R1_DISTILL  # an R1 name on a dense Qwen/Llama body is a distill
        elif family in (ModelFamily.V3, ModelFamily.V3_1):
            family = None  # no V3 exists on these architectures; trust the template instead
        if family is None and probed is ThinkingMode.ALWAYS and "<｜Assistant｜>" in (
            chat_template or ""
        ):
            family = ModelFamily.R1_DISTILL  # a renamed distill still carries DeepSeek's markers
    elif deepseek_arch and family is None:
        # A deepseek2 file with no telling name: its template is the only witness. DeepSeek-V2
        # and Coder-V2 share this architecture and never reason, hence OTHER, not V3.
        family = {ThinkingMode.HYBRID: ModelFamily.V3_1, ThinkingMode.ALWAYS: ModelFamily.R1}.get(
            probed or ThinkingMode.NEVER, ModelFamily.OTHER
        )
    if family is None:
        family = ModelFamily.OTHER

    thinking = probed if probed is not None else _FAMILY_THINKING[family]
    label = _label(family, arch, primary + base, metadata, file_name)
    return FamilyInfo(family=family, thinking=thinking, label=label)
