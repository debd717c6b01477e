"""What the offload planner needs to know about a model: its tensors by role, and its KV geometry.

Built from a GGUF file's header, or synthesized from known architecture facts (see
`shapes`) to judge a checkpoint before it is downloaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from backend.gguf.reader import GGUFModel

# llama.cpp's own pattern for routed-expert tensors (common/arg.cpp, --cpu-moe).
EXPERT_RE = re.compile(r"\.ffn_(up|down|gate|gate_up)_(ch|)exps")
_LAYER_RE = re.compile(r"^blk\.(\d+)\.")


class TensorRole(StrEnum):
    INPUT = "input"  # token embeddings: llama.cpp always keeps them on the CPU
    OUTPUT = "output"  # output norm and head: the "layer" after the last block
    LAYER = "layer"  # attention, norms, router, shared experts, dense FFN
    EXPERTS = "experts"  # routed experts: the bulk of a MoE model's bytes
    SKIPPED = "skipped"  # multi-token-prediction layers llama.cpp does not load for chat


@dataclass(frozen=True, slots=True)
class TensorSpec:
    name: str
    n_bytes: int
    role: TensorRole
    layer: int | None  # block index for LAYER/EXPERTS


@dataclass(frozen=True, slots=True)
class ModelLayout:
    arch: str
    n_layer: int  # trunk blocks
    n_layer_all: int  # trunk + MTP blocks (llama.cpp counts GPU layers over these)
    n_dense_lead: int
    n_expert: int
    n_expert_used: int
    n_embd: int
    n_head: int
    n_head_kv: int
    n_ff: int  # dense FFN width
    n_ff_exp: int  # one expert's FFN width
    n_vocab: int
    n_ctx_train: int
    kv_k_elements: int  # K-cache elements per token per layer (V3.2: MLA row + indexer key)
    kv_v_elements: int  # V-cache elements per token per layer (0 with MLA: V is read from K)
    mla: bool | None
    tensors: tuple[TensorSpec, ...]
    # DeepSeek-V4's compressed attention (`deepseek4`): per trunk layer 0 (sliding window only),
    # 4 (CSA, with the lightning indexer) or 128 (HCA); empty for every other architecture.
    compress_ratios: tuple[int, ...] = ()
    indexer_key_length: int = 0  # V4: the lightning indexer's key size (CSA layers cache it)
    sliding_window: int = 0  # V4: tokens every layer attends to uncompressed
    hyper_connections: int = 1  # V4: 4 residual streams, so activations are 4x as wide

    @property
    def cache_drops_tail(self) -> bool:
        """Whether the KV cache can drop its last tokens and keep the rest. V4's cannot: a
        compressed entry summarises many positions, so llama.cpp can only clear it whole."""
        return not self.compress_ratios

    @property
    def moe_layers(self) -> tuple[int, ...]:
        return tuple(sorted({t.layer for t in self.tensors if t.role is TensorRole.EXPERTS and t.layer is not None}))

    @property
    def total_bytes(self) -> int:
        return sum(t.n_bytes for t in self.tensors if t.role is not TensorRole.SKIPPED)

    @property
    def expert_bytes(self) -> int:
        return sum(t.n_bytes for t in self.tensors if t.role is TensorRole.EXPERTS)


def classify(name: str, n_layer: int) -> tuple[TensorRole, int | None]:
    if name.startswith("token_embd."):
        return TensorRole.INPUT, None
    match = _LAYER_RE.match(name)
    if match is None:
        return TensorRole.OUTPUT, None
    layer = int(match.group(1))
    if layer >= n_layer:
        return TensorRole.SKIPPED, layer
    if EXPERT_RE.search(name):
        return TensorRole.EXPERTS, layer
    return TensorRole.LAYER, layer


def _int(value: object, default: int = 0) -> int:
    if isinstance(value, list):  # per-layer arrays (e.g. head_count_kv): size for the largest
        numbers = [v for v in value if isinstance(v, int)]
        return max(numbers) if numbers else default
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _ints(values: list[object]) -> list[int]:
    return [v for v in values if isinstance(v, int) and not isinstance(v, bool)]


def layout_from_gguf(model: GGUFModel) -> ModelLayout:
    meta = model.arch_key
    # llama.cpp's block_count counts the multi-token-prediction blocks appended to the trunk.
    n_blocks = _int(meta("block_count"))
    n_nextn = _int(meta("nextn_predict_layers"))
    n_layer = n_blocks - n_nextn if 0 < n_nextn < n_blocks else n_blocks
    n_embd = _int(meta("embedding_length"))
    n_head = _int(meta("attention.head_count"), 1) or 1
    n_head_kv = _int(meta("attention.head_count_kv"), n_head) or n_head
    head_dim = n_embd // n_head if n_head else 0
    key_length = _int(meta("attention.key_length"), head_dim)
    value_length = _int(meta("attention.value_length"), head_dim)
    mla = meta("attention.key_length_mla") is not None and model.arch.startswith("deepseek")
    indexer_key = _int(meta("attention.indexer.key_length"))
    ratios: tuple[int, ...] = ()
    if model.arch == "deepseek4":
        ratios = tuple(_ints(model.read_array(f"{model.arch}.attention.compress_ratios")))[:n_layer]
    tokens = model.metadata.get("tokenizer.ggml.tokens")
    n_vocab = _int(meta("vocab_size")) or getattr(tokens, "count", 0) or (
        len(tokens) if isinstance(tokens, list) else 0
    )
    specs = []
    for t in model.tensors:
        role, layer = classify(t.name, n_layer)
        specs.append(TensorSpec(t.name, t.n_bytes, role, layer))
    return ModelLayout(
        arch=model.arch,
        n_layer=n_layer,
        n_layer_all=n_blocks,
        n_dense_lead=_int(meta("leading_dense_block_count")),
        n_expert=_int(meta("expert_count")),
        n_expert_used=_int(meta("expert_used_count")),
        n_embd=n_embd,
        n_head=n_head,
        n_head_kv=n_head_kv,
        n_ff=_int(meta("feed_forward_length")),
        n_ff_exp=_int(meta("expert_feed_forward_length")),
        n_vocab=n_vocab,
        n_ctx_train=_int(meta("context_length"), 4096),
        # V3.2's cache holds each token's MLA row and its indexer key; V4's caches are K-only.
        kv_k_elements=n_head_kv * key_length + (indexer_key if model.arch == "deepseek32" else 0),
        kv_v_elements=0 if mla or ratios else n_head_kv * value_length,
        mla=mla if model.arch.startswith("deepseek") else None,
        tensors=tuple(specs),
        compress_ratios=ratios,
        indexer_key_length=indexer_key if ratios else 0,
        sliding_window=_int(meta("attention.sliding_window")) if ratios else 0,
        hyper_connections=max(1, _int(meta("hyper_connection.count"), 1)) if ratios else 1,
    )
