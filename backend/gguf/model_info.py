"""Everything the app knows about a model file before loading it.

One call turns a path into a validated `ModelInfo`: the GGUF header (preflight-checked), the
DeepSeek family and its thinking mode, MLA or legacy attention, the chat template and the
tensor layout the offload planner works on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from backend.chat.family import FamilyInfo, ThinkingMode, detect_family
from backend.gguf.layout import ModelLayout, TensorRole, layout_from_gguf
from backend.gguf.quant_types import MAINLINE_TYPES
from backend.gguf.reader import ArchitectureCheck, GGUFModel, read_model, uses_mla


@dataclass(frozen=True, slots=True)
class ModelInfo:
    path: Path  # what to load: the first part of a split set
    parts: tuple[Path, ...]
    file_bytes: int
    arch: str
    family: FamilyInfo
    mla: bool | None  # None: not a DeepSeek-V2/V3 architecture
    chat_template: str | None
    bos_token: str
    eos_token: str
    quant: str  # the routed experts' type (or the most common one), e.g. "IQ1_S"
    layout: ModelLayout
    metadata: Mapping[str, object]

    @property
    def label(self) -> str:
        return self.family.label

    @property
    def thinking(self) -> ThinkingMode:
        return self.family.thinking

    @property
    def n_ctx_train(self) -> int:
        return self.layout.n_ctx_train


def inspect_model(
    path: str | Path, runs_architecture: ArchitectureCheck, runtime: str = ""
) -> ModelInfo:
    """Read and validate `path`; raises `ModelFileError` with the reason if it can't be used.

    `runs_architecture` says what the llama.cpp build can run (`backend.engine.preflight`),
    `runtime` names it.
    """
    return describe(read_model(path, runs_architecture=runs_architecture, runtime=runtime))


def describe(model: GGUFModel) -> ModelInfo:
    template = model.metadata.get("tokenizer.chat_template")
    chat_template = template if isinstance(template, str) and template.strip() else None
    family = detect_family(model.arch, model.metadata, chat_template, model.path.name)
    layout = layout_from_gguf(model)
    return ModelInfo(
        path=model.path,
        parts=model.parts,
        file_bytes=model.file_bytes,
        arch=model.arch,
        family=family,
        mla=uses_mla(model),
        chat_template=chat_template,
        bos_token=model.token_text(model.metadata.get("tokenizer.ggml.bos_token_id")),
        eos_token=model.token_text(model.metadata.get("tokenizer.ggml.eos_token_id")),
        quant=_dominant_quant(model, layout),
        layout=layout,
        metadata=model.metadata,
    )


def _dominant_quant(model: GGUFModel, layout: ModelLayout) -> str:
    experts = {t.name for t in layout.tensors if t.role is TensorRole.EXPERTS}
    bytes_by_type: dict[int, int] = {}
    for t in model.tensors:
        if not experts or t.name in experts:
            bytes_by_type[t.type_id] = bytes_by_type.get(t.type_id, 0) + t.n_bytes
    if not bytes_by_type:
        return "?"
    top = max(bytes_by_type, key=lambda k: bytes_by_type[k])
    qtype = MAINLINE_TYPES.get(top)
    return qtype.name if qtype else f"#{top}"
