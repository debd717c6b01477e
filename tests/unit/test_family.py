"""Model family and thinking-mode detection from metadata, file names and template probing."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.chat import builtin_templates as bt
from backend.chat.family import (
    FamilyInfo,
    ModelFamily,
    ThinkingMode,
    allows_system_prompt,
    default_sampling,
    detect_family,
    probe_thinking,
)
from backend.chat.messages import Sampling

R1, DISTILL, V3, V3_1, OTHER = (
    ModelFamily.R1, ModelFamily.R1_DISTILL, ModelFamily.V3, ModelFamily.V3_1, ModelFamily.OTHER
)
V3_2, V4 = ModelFamily.V3_2, ModelFamily.V4
ALWAYS, NEVER, HYBRID = ThinkingMode.ALWAYS, ThinkingMode.NEVER, ThinkingMode.HYBRID

LLAMA3_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + "
    "'<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}"
    "{% endif %}"
)
QWEN3_LIKE_TEMPLATE = (
    "{% for message in messages %}{{ '<|im_start|>' + message.role + '\\n' + message.content + "
    "'<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}"
    "{% if enable_thinking is defined and enable_thinking is false %}"
    "{{ '<think>\\n\\n</think>\\n\\n' }}{% endif %}{% endif %}"
)


# --- recommended settings ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("family", "sampling"),
    [
        (R1, Sampling(temperature=0.6, top_p=0.95)),
        (DISTILL, Sampling(temperature=0.6, top_p=0.95)),
        (V3, Sampling(temperature=0.3, top_p=1.0)),
        (V3_1, Sampling(temperature=0.6, top_p=0.95)),
        (OTHER, Sampling(temperature=0.7, top_p=0.95)),
    ],
)
def test_default_sampling(family: ModelFamily, sampling: Sampling) -> None:
    assert default_sampling(family) == sampling
    assert (sampling.top_k, sampling.min_p, sampling.repeat_penalty) == (0, 0.0, 1.0)


@pytest.mark.parametrize(
    ("family", "allowed"), [(R1, False), (DISTILL, False), (V3, True), (V3_1, True), (OTHER, True)]
)
def test_allows_system_prompt(family: ModelFamily, allowed: bool) -> None:
    assert allows_system_prompt(family) is allowed


# --- probing the template ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "mode"),
    [
        (bt.DEEPSEEK_R1, ALWAYS),
        (bt.DEEPSEEK_R1_DISTILL, ALWAYS),
        (bt.DEEPSEEK_V3_1, HYBRID),
        (QWEN3_LIKE_TEMPLATE, HYBRID),
        (bt.DEEPSEEK_R1_ORIGINAL, None),  # ends at the assistant marker: the name must decide
        (bt.DEEPSEEK_R1_0528, None),
        (bt.DEEPSEEK_V3, None),
        (bt.DEEPSEEK_V3_0324, None),
        (LLAMA3_TEMPLATE, None),
        (None, None),
        ("   ", None),
        ("{% if %}", None),
        ("{{ ''.__class__ }}", None),
    ],
)
def test_probe_thinking(template: str | None, mode: ThinkingMode | None) -> None:
    assert probe_thinking(template) is mode


# --- detection --------------------------------------------------------------------------------

CASES = [
    pytest.param(
        "deepseek2",
        {"general.name": "DeepSeek R1", "general.basename": "DeepSeek-R1",
         "general.size_label": "256x20B", "general.base_model.0.name": "DeepSeek V3 Base"},
        bt.DEEPSEEK_R1,
        "DeepSeek-R1-UD-IQ1_S-00001-of-00003.gguf",
        FamilyInfo(R1, ALWAYS, "DeepSeek-R1"),
        id="r1",
    ),
    pytest.param(
        "deepseek2", {"general.name": "DeepSeek R1 BF16"}, bt.DEEPSEEK_R1_ORIGINAL,
        "DeepSeek-R1-Q4_K_M-00001-of-00009.gguf",
        FamilyInfo(R1, ALWAYS, "DeepSeek-R1"),
        id="r1-old-template-still-thinks",
    ),
    pytest.param(
        "deepseek2", {"general.name": "DeepSeek R1 0528"}, bt.DEEPSEEK_R1_0528,
        "DeepSeek-R1-0528-UD-IQ1_S-00001-of-00004.gguf",
        FamilyInfo(R1, ALWAYS, "DeepSeek-R1-0528"),
        id="r1-0528",
    ),
    pytest.param(
        "deepseek2", {}, bt.DEEPSEEK_R1_0528, "DeepSeek-R1-0528-UD-IQ1_S-00001-of-00004.gguf",
        FamilyInfo(R1, ALWAYS, "DeepSeek-R1-0528"),
        id="r1-0528-file-name-only",
    ),
    pytest.param(
        "qwen2",
        {"general.name": "DeepSeek R1 Distill Qwen 7B",
         "general.basename": "DeepSeek-R1-Distill-Qwen", "general.size_label": "7B",
         "general.base_model.0.name": "Qwen2.5 Math 7B"},
        bt.DEEPSEEK_R1_DISTILL, "DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf",
        FamilyInfo(DISTILL, ALWAYS, "DeepSeek-R1-Distill-Qwen-7B"),
        id="distill-qwen-7b",
    ),
    pytest.param(
        "qwen2", {"general.basename": "DeepSeek-R1-Distill-Qwen", "general.size_label": "1.5B"},
        bt.DEEPSEEK_R1_DISTILL_ORIGINAL, "",
        FamilyInfo(DISTILL, ALWAYS, "DeepSeek-R1-Distill-Qwen-1.5B"),
        id="distill-qwen-old-template-metadata-only",
    ),
    pytest.param(
        "llama", {}, bt.DEEPSEEK_R1_DISTILL, "DeepSeek-R1-Distill-Llama-8B-Q4_K_M.gguf",
        FamilyInfo(DISTILL, ALWAYS, "DeepSeek-R1-Distill-Llama-8B"),
        id="distill-llama-8b-file-name-only",
    ),
    pytest.param(
        "llama", {"general.name": "DeepSeek R1 Distill Llama 70B"}, bt.DEEPSEEK_R1_DISTILL_ORIGINAL,
        "", FamilyInfo(DISTILL, ALWAYS, "DeepSeek-R1-Distill-Llama-70B"),
        id="distill-llama-70b-old-template",
    ),
    pytest.param(
        "llama", {}, bt.DEEPSEEK_R1_DISTILL, "model-q4.gguf",
        FamilyInfo(DISTILL, ALWAYS, "DeepSeek-R1-Distill-Llama"),
        id="renamed-distill-known-by-its-template",
    ),
    pytest.param(
        "qwen3", {"general.name": "DeepSeek R1 0528 Qwen3 8B"}, bt.DEEPSEEK_R1_0528,
        "DeepSeek-R1-0528-Qwen3-8B-Q4_K_M.gguf",
        FamilyInfo(DISTILL, ALWAYS, "DeepSeek-R1-0528-Qwen3-8B"),
        id="r1-0528-qwen3-8b",
    ),
    pytest.param(
        "deepseek2", {"general.name": "DeepSeek V3 BF16"}, bt.DEEPSEEK_V3,
        "DeepSeek-V3-Q2_K_XS-00001-of-00005.gguf",
        FamilyInfo(V3, NEVER, "DeepSeek-V3"),
        id="v3",
    ),
    pytest.param(
        "deepseek2", {"general.name": "DeepSeek V3 0324 BF16", "general.size_label": "256x20B"},
        bt.DEEPSEEK_V3_0324, "DeepSeek-V3-0324-Q2_K.gguf",
        FamilyInfo(V3, NEVER, "DeepSeek-V3-0324"),
        id="v3-0324",
    ),
    pytest.param(
        "deepseek2", {}, None, "DeepSeek-V3-0324-UD-Q2_K_XL-00001-of-00006.gguf",
        FamilyInfo(V3, NEVER, "DeepSeek-V3-0324"),
        id="v3-0324-no-template",
    ),
    pytest.param(
        "deepseek2", {"general.name": "DeepSeek V3.1"}, bt.DEEPSEEK_V3_1,
        "DeepSeek-V3.1-Q4_K_M-00001-of-00009.gguf",
        FamilyInfo(V3_1, HYBRID, "DeepSeek-V3.1"),
        id="v3.1",
    ),
    pytest.param(
        "deepseek2", {"general.name": "DeepSeek V3.1 Terminus"}, bt.DEEPSEEK_V3_1,
        "DeepSeek-V3.1-Terminus-UD-Q2_K_XL-00001-of-00006.gguf",
        FamilyInfo(V3_1, HYBRID, "DeepSeek-V3.1-Terminus"),
        id="v3.1-terminus",
    ),
    pytest.param(
        "deepseek2", {}, bt.DEEPSEEK_V3_1, "",
        FamilyInfo(V3_1, HYBRID, "DeepSeek-V3.1"),
        id="nameless-deepseek2-hybrid-template",
    ),
    pytest.param(
        "deepseek2", {}, bt.DEEPSEEK_R1, "",
        FamilyInfo(R1, ALWAYS, "DeepSeek-R1"),
        id="nameless-deepseek2-r1-template",
    ),
    pytest.param(
        "deepseek2", {"general.name": "DeepSeek V2 Lite Chat"}, None, "",
        FamilyInfo(OTHER, NEVER, "DeepSeek V2 Lite Chat"),
        id="deepseek-v2-is-not-v3",
    ),
    pytest.param(
        "deepseek32", {}, None, "DeepSeek-V3.2-Exp-Q4_K_M-00001-of-00008.gguf",
        FamilyInfo(V3_2, HYBRID, "DeepSeek-V3.2-Exp"),
        id="v3.2-arch",
    ),
    pytest.param(
        "deepseek4", {}, None, "",
        FamilyInfo(V4, HYBRID, "DeepSeek-V4", ("max",)),
        id="v4-arch",
    ),
    pytest.param(
        "llama", {"general.name": "Llama 3.2 1B Instruct"}, LLAMA3_TEMPLATE,
        "Llama-3.2-1B-Instruct-Q4_K_M.gguf",
        FamilyInfo(OTHER, NEVER, "Llama 3.2 1B Instruct"),
        id="unknown-llama",
    ),
    pytest.param(
        "llama", {}, None, "my-finetune.Q5_K_M.gguf",
        FamilyInfo(OTHER, NEVER, "my-finetune"),
        id="unknown-llama-file-name-label",
    ),
    pytest.param(
        "qwen3", {"general.name": "Qwen3 8B"}, QWEN3_LIKE_TEMPLATE, "",
        FamilyInfo(OTHER, HYBRID, "Qwen3 8B"),
        id="unknown-hybrid-model",
    ),
]


@pytest.mark.parametrize(("arch", "metadata", "template", "file_name", "expected"), CASES)
def test_detect_family(
    arch: str, metadata: dict[str, object], template: str | None, file_name: str,
    expected: FamilyInfo,
) -> None:
    assert detect_family(arch, metadata, template, file_name) == expected


def test_unsafe_template_falls_back_to_names_and_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    hostile = (
        "{{ cycler.__init__.__globals__.os.system('touch " + str(marker) + "') }}"
        "{{ ''.__class__.__mro__[1].__subclasses__() }}<think>"
    )
    info = detect_family(
        "deepseek2", {"general.name": "DeepSeek R1 0528"}, hostile,
        "DeepSeek-R1-0528-UD-IQ1_S-00001-of-00004.gguf",
    )
    assert info == FamilyInfo(R1, ALWAYS, "DeepSeek-R1-0528")
    assert not marker.exists()


def test_broken_template_falls_back_to_names() -> None:
    info = detect_family("deepseek2", {"general.name": "DeepSeek V3 0324"}, "{% for %}", "")
    assert info == FamilyInfo(V3, NEVER, "DeepSeek-V3-0324")


def test_template_that_raises_falls_back_to_names() -> None:
    template = "{{ raise_exception('Only system messages first') }}"
    info = detect_family("qwen2", {"general.name": "DeepSeek R1 Distill Qwen 14B"}, template, "")
    assert info == FamilyInfo(DISTILL, ALWAYS, "DeepSeek-R1-Distill-Qwen-14B")


def test_the_template_outranks_the_name_for_thinking() -> None:
    # A V3-named file carrying V3.1's template follows the template it will be prompted with.
    info = detect_family("deepseek2", {"general.name": "DeepSeek V3"}, bt.DEEPSEEK_V3_1, "")
    assert info == FamilyInfo(V3, HYBRID, "DeepSeek-V3")


def test_version_with_a_dot_is_not_confused_with_a_bit_width() -> None:
    info = detect_family("deepseek2", {}, None, "DeepSeek-V3-1.58bit-UD-IQ1_S.gguf")
    assert info == FamilyInfo(V3, NEVER, "DeepSeek-V3")


def test_non_string_metadata_values_are_ignored() -> None:
    metadata: dict[str, object] = {"general.name": 42, "general.base_model.count": 1,
                                   "general.base_model.0.name": "DeepSeek R1"}
    assert detect_family("deepseek2", metadata, None, "") == FamilyInfo(R1, ALWAYS, "DeepSeek-R1")
