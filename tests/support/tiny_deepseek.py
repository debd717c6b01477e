"""Write tiny random-weight `deepseek32` (V3.2), `deepseek4` (V4) and `qwen2` (R1 distill) GGUFs
that the real llama.cpp in llama-cpp-python 0.3.36 loads and runs.

Shapes follow llama.cpp's loaders (`src/models/deepseek32.cpp`, `deepseek4.cpp`) and its own
fixture generator (`tests/test-llama-archs.cpp`), with what they demand and do not check:
deepseek4 needs per-layer `attention.compress_ratios` with at least one 4 and one 128 (else
context creation dies with SIGFPE), `hyper_connection.count` 4, `expert_gating_func` 4
(sqrt-softplus), `attention.sliding_window`, `hash_layer_count` and an indexer key length that
is a multiple of 64; deepseek32 needs MLA keys and an indexer key length that is a power of two
of at least 64. Key and value lengths are multiples of 32 so a q8_0 KV cache is accepted. The
vocabulary is `tiny_model`'s (byte-level BPE with DeepSeek's special tokens); the chat templates
are llama.cpp's own (`templates/`). Each file is a few MB, written in well under a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import gguf
import numpy as np

from tests.support.tiny_model import (
    BOS,
    EOS,
    PAD,
    _bytes_to_unicode,
    _learn_merges,
    _special_tokens,
)

TEMPLATES = Path(__file__).resolve().parent / "templates"
V3_2_TEMPLATE = "deepseek-ai-DeepSeek-V3.2.jinja"
V4_TEMPLATE = "deepseek-ai-DeepSeek-V4.jinja"
V4_0731_TEMPLATE = "deepseek-ai-DeepSeek-V4-Flash-0731.jinja"
DISTILL_TEMPLATE = "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja"
QWEN_EXTRA = ["<|im_start|>", "<|im_end|>", "<|endoftext|>"]
N_MERGES = 120


def template(name: str) -> str:
    """One of llama.cpp's DeepSeek templates, as the GGUF files carry it."""
    return (TEMPLATES / name).read_text(encoding="utf-8")


@dataclass(frozen=True, slots=True)
class V32Spec:
    """DeepSeek-V3.2 in miniature: MLA + lightning indexer + MoE."""

    name: str = "DeepSeek-V3.2 Tiny Test"
    template: str | None = V3_2_TEMPLATE
    n_embd: int = 64
    n_layer: int = 3
    n_dense: int = 1
    n_head: int = 2
    q_lora_rank: int = 32
    kv_lora_rank: int = 32
    qk_rope: int = 32
    qk_nope: int = 32
    v_head: int = 32
    n_ff: int = 128
    n_ff_exp: int = 32
    n_expert: int = 4
    n_expert_used: int = 2
    idx_n_head: int = 4
    idx_head: int = 64  # a power of two >= 64
    idx_top_k: int = 2048
    n_ctx_train: int = 4096
    seed: int = 0


@dataclass(frozen=True, slots=True)
class V4Spec:
    """DeepSeek-V4 in miniature: 4 hyper-connections, sliding-window raw KV, CSA (4) and HCA
    (128) compressed KV, the indexer on CSA layers, hash-routed first layers, sqrt-softplus MoE."""

    name: str = "DeepSeek-V4-Flash Tiny Test"
    template: str | None = V4_TEMPLATE
    n_embd: int = 128
    n_head: int = 2
    head_dim: int = 64
    n_rot: int = 32
    q_lora_rank: int = 64
    o_groups: int = 2
    o_lora_rank: int = 32
    n_ff_exp: int = 64
    n_expert: int = 4
    n_expert_used: int = 2
    idx_n_head: int = 4
    idx_head: int = 64  # a multiple of 64
    idx_top_k: int = 512
    sliding_window: int = 32
    compress_ratios: tuple[int, ...] = (0, 4, 128, 4)  # one per block
    hash_layers: int = 1
    hc: int = 4
    gating_func: int = 4
    n_ctx_train: int = 4096
    seed: int = 0
    f16: bool = False  # F16 matrices (smaller, still loads on CPU)
    extra_metadata: tuple[tuple[str, str], ...] = ()
    omit: tuple[str, ...] = field(default=())  # metadata keys (without the arch) left out


@dataclass(frozen=True, slots=True)
class DistillSpec:
    """DeepSeek-R1-Distill-Qwen in miniature: a plain qwen2 body with DeepSeek's specials."""

    name: str = "DeepSeek-R1-Distill-Qwen Tiny Test"
    template: str | None = DISTILL_TEMPLATE
    n_embd: int = 128
    n_layer: int = 2
    n_head: int = 4
    n_head_kv: int = 2
    n_ff: int = 128
    n_ctx_train: int = 4096
    seed: int = 0


def write_v32_model(path: Path, spec: V32Spec = V32Spec()) -> Path:
    arch = "deepseek32"
    w = _writer(path, arch)
    s = spec
    n_vocab = _vocab_size(False)
    w.add_name(s.name)
    w.add_context_length(s.n_ctx_train)
    w.add_embedding_length(s.n_embd)
    w.add_block_count(s.n_layer)
    w.add_feed_forward_length(s.n_ff)
    w.add_head_count(s.n_head)
    w.add_head_count_kv(1)
    w.add_key_length(s.kv_lora_rank + s.qk_rope)
    w.add_value_length(s.kv_lora_rank)
    w.add_uint32(f"{arch}.attention.key_length_mla", s.qk_nope + s.qk_rope)
    w.add_uint32(f"{arch}.attention.value_length_mla", s.v_head)
    w.add_rope_dimension_count(s.qk_rope)
    w.add_rope_freq_base(10000.0)
    w.add_layer_norm_rms_eps(1e-6)
    w.add_q_lora_rank(s.q_lora_rank)
    w.add_kv_lora_rank(s.kv_lora_rank)
    w.add_leading_dense_block_count(s.n_dense)
    w.add_vocab_size(n_vocab)
    w.add_expert_count(s.n_expert)
    w.add_expert_used_count(s.n_expert_used)
    w.add_expert_shared_count(1)
    w.add_expert_feed_forward_length(s.n_ff_exp)
    w.add_expert_weights_scale(2.5)
    w.add_expert_weights_norm(True)
    w.add_expert_gating_func(gguf.ExpertGatingFuncType.SIGMOID)
    w.add_uint32(f"{arch}.attention.indexer.head_count", s.idx_n_head)
    w.add_uint32(f"{arch}.attention.indexer.key_length", s.idx_head)
    w.add_uint32(f"{arch}.attention.indexer.top_k", s.idx_top_k)
    w.add_file_type(gguf.LlamaFileType.ALL_F32)
    _write_vocab(w, s.template, "deepseek-v3", qwen=False)

    t = _Tensors(w, s.seed, f16=False)
    k_mla = s.qk_nope + s.qk_rope
    t.add("token_embd.weight", s.n_embd, n_vocab)
    t.add("output_norm.weight", s.n_embd, kind="norm")
    t.add("output.weight", s.n_embd, n_vocab)
    for i in range(s.n_layer):
        p = f"blk.{i}."
        t.add(p + "attn_norm.weight", s.n_embd, kind="norm")
        t.add(p + "attn_q_a_norm.weight", s.q_lora_rank, kind="norm")
        t.add(p + "attn_kv_a_norm.weight", s.kv_lora_rank, kind="norm")
        t.add(p + "attn_q_a.weight", s.n_embd, s.q_lora_rank)
        t.add(p + "attn_q_b.weight", s.q_lora_rank, s.n_head * k_mla)
        t.add(p + "attn_kv_a_mqa.weight", s.n_embd, s.kv_lora_rank + s.qk_rope)
        t.add(p + "attn_k_b.weight", s.qk_nope, s.kv_lora_rank, s.n_head)
        t.add(p + "attn_v_b.weight", s.kv_lora_rank, s.v_head, s.n_head)
        t.add(p + "attn_output.weight", s.n_head * s.v_head, s.n_embd)
        t.add(p + "ffn_norm.weight", s.n_embd, kind="norm")
        t.add(p + "indexer.k_norm.weight", s.idx_head, kind="norm")
        t.add(p + "indexer.k_norm.bias", s.idx_head, kind="bias")
        t.add(p + "indexer.proj.weight", s.n_embd, s.idx_n_head)
        t.add(p + "indexer.attn_k.weight", s.n_embd, s.idx_head)
        t.add(p + "indexer.attn_q_b.weight", s.q_lora_rank, s.idx_n_head * s.idx_head)
        if i < s.n_dense:
            t.add(p + "ffn_gate.weight", s.n_embd, s.n_ff)
            t.add(p + "ffn_up.weight", s.n_embd, s.n_ff)
            t.add(p + "ffn_down.weight", s.n_ff, s.n_embd)
            continue
        t.add(p + "ffn_gate_inp.weight", s.n_embd, s.n_expert)
        t.add(p + "exp_probs_b.bias", s.n_expert, kind="bias")
        t.experts(p, s.n_embd, s.n_ff_exp, s.n_expert)
    return _finish(w, path)


def write_v4_model(path: Path, spec: V4Spec = V4Spec()) -> Path:
    arch = "deepseek4"
    w = _writer(path, arch)
    s = spec
    n_vocab = _vocab_size(False)
    n_layer = len(s.compress_ratios)

    def key(name: str, value: object, kind: str) -> None:
        if name not in s.omit:
            getattr(w, f"add_{kind}")(f"{arch}.{name}", value)

    w.add_name(s.name)
    w.add_context_length(s.n_ctx_train)
    w.add_embedding_length(s.n_embd)
    key("embedding_length_out", s.n_embd * s.hc, "uint32")
    w.add_block_count(n_layer)
    w.add_head_count(s.n_head)
    w.add_head_count_kv(1)
    w.add_key_length(s.head_dim)
    w.add_value_length(s.head_dim)
    w.add_rope_dimension_count(s.n_rot)
    w.add_rope_freq_base(10000.0)
    w.add_layer_norm_rms_eps(1e-6)
    w.add_q_lora_rank(s.q_lora_rank)
    key("attention.sliding_window", s.sliding_window, "uint32")
    w.add_vocab_size(n_vocab)
    w.add_expert_count(s.n_expert)
    w.add_expert_used_count(s.n_expert_used)
    w.add_expert_shared_count(1)
    w.add_expert_feed_forward_length(s.n_ff_exp)
    w.add_expert_weights_scale(1.5)
    w.add_expert_weights_norm(True)
    key("expert_gating_func", s.gating_func, "uint32")
    key("swiglu_clamp_exp", [10.0] * n_layer, "array")
    key("swiglu_clamp_shexp", [10.0] * n_layer, "array")
    key("attention.indexer.head_count", s.idx_n_head, "uint32")
    key("attention.indexer.key_length", s.idx_head, "uint32")
    key("attention.indexer.top_k", s.idx_top_k, "uint32")
    key("attention.output_group_count", s.o_groups, "uint32")
    key("attention.output_lora_rank", s.o_lora_rank, "uint32")
    key("attention.compress_ratios", list(s.compress_ratios), "array")
    key("attention.compress_rope_freq_base", 160000.0, "float32")
    key("hyper_connection.count", s.hc, "uint32")
    key("hyper_connection.sinkhorn_iterations", 2, "uint32")
    key("hyper_connection.epsilon", 1e-6, "float32")
    key("hash_layer_count", s.hash_layers, "uint32")
    w.add_file_type(gguf.LlamaFileType.MOSTLY_F16 if s.f16 else gguf.LlamaFileType.ALL_F32)
    for name, value in s.extra_metadata:
        w.add_string(name, value)
    _write_vocab(w, s.template, "deepseek-v3", qwen=False)

    t = _Tensors(w, s.seed, f16=s.f16)
    hc_dim, hc_mix = s.hc * s.n_embd, (2 + s.hc) * s.hc
    t.add("token_embd.weight", s.n_embd, n_vocab)
    t.add("output_norm.weight", s.n_embd, kind="norm")
    t.add("output.weight", s.n_embd, n_vocab)
    t.add("output_hc_fn.weight", hc_dim, s.hc, kind="f32")
    t.add("output_hc_base.weight", s.hc, kind="half")
    t.add("output_hc_scale.weight", 1, kind="half")
    for i, ratio in enumerate(s.compress_ratios):
        p = f"blk.{i}."
        t.add(p + "attn_norm.weight", s.n_embd, kind="norm")
        t.add(p + "attn_sinks.weight", s.n_head, kind="bias")
        t.add(p + "attn_q_a.weight", s.n_embd, s.q_lora_rank)
        t.add(p + "attn_q_a_norm.weight", s.q_lora_rank, kind="norm")
        t.add(p + "attn_q_b.weight", s.q_lora_rank, s.n_head * s.head_dim)
        t.add(p + "attn_kv.weight", s.n_embd, s.head_dim)
        t.add(p + "attn_kv_a_norm.weight", s.head_dim, kind="norm")
        t.add(p + "attn_output_a.weight", s.n_head * s.head_dim // s.o_groups,
              s.o_lora_rank * s.o_groups)
        t.add(p + "attn_output_b.weight", s.o_groups * s.o_lora_rank, s.n_embd)
        for part in ("attn", "ffn"):
            t.add(p + f"hc_{part}_fn.weight", hc_dim, hc_mix, kind="f32")
            t.add(p + f"hc_{part}_base.weight", hc_mix, kind="bias")
            t.add(p + f"hc_{part}_scale.weight", 3, kind="half")
        if ratio:
            width = (2 if ratio == 4 else 1) * s.head_dim
            t.add(p + "attn_compressor_kv.weight", s.n_embd, width)
            t.add(p + "attn_compressor_gate.weight", s.n_embd, width)
            t.add(p + "attn_compressor_ape.weight", width, ratio, kind="bias")
            t.add(p + "attn_compressor_norm.weight", s.head_dim, kind="norm")
        if ratio == 4:
            t.add(p + "indexer.proj.weight", s.n_embd, s.idx_n_head)
            t.add(p + "indexer.attn_q_b.weight", s.q_lora_rank, s.idx_n_head * s.idx_head)
            t.add(p + "indexer_compressor_kv.weight", s.n_embd, 2 * s.idx_head)
            t.add(p + "indexer_compressor_gate.weight", s.n_embd, 2 * s.idx_head)
            t.add(p + "indexer_compressor_ape.weight", 2 * s.idx_head, ratio, kind="bias")
            t.add(p + "indexer_compressor_norm.weight", s.idx_head, kind="norm")
        t.add(p + "ffn_gate_inp.weight", s.n_embd, s.n_expert)
        if i < s.hash_layers:  # token id -> expert ids, ggml shape {n_expert_used, n_vocab}
            table = np.stack([t.rng.permutation(s.n_expert)[: s.n_expert_used]
                              for _ in range(n_vocab)])
            w.add_tensor(p + "ffn_gate_tid2eid.weight", table.astype(np.int32))
        else:
            t.add(p + "exp_probs_b.bias", s.n_expert, kind="bias")
        t.add(p + "ffn_norm.weight", s.n_embd, kind="norm")
        t.experts(p, s.n_embd, s.n_ff_exp, s.n_expert)
    return _finish(w, path)


def write_distill_model(path: Path, spec: DistillSpec = DistillSpec()) -> Path:
    arch = "qwen2"
    w = _writer(path, arch)
    s = spec
    n_vocab = _vocab_size(True)
    head = s.n_embd // s.n_head
    kv = s.n_head_kv * head
    w.add_name(s.name)
    w.add_context_length(s.n_ctx_train)
    w.add_embedding_length(s.n_embd)
    w.add_block_count(s.n_layer)
    w.add_feed_forward_length(s.n_ff)
    w.add_head_count(s.n_head)
    w.add_head_count_kv(s.n_head_kv)
    w.add_rope_freq_base(10000.0)
    w.add_layer_norm_rms_eps(1e-6)
    w.add_file_type(gguf.LlamaFileType.ALL_F32)
    _write_vocab(w, s.template, "deepseek-r1-qwen", qwen=True)
    t = _Tensors(w, s.seed, f16=False)
    t.add("token_embd.weight", s.n_embd, n_vocab)
    t.add("output_norm.weight", s.n_embd, kind="norm")
    t.add("output.weight", s.n_embd, n_vocab)
    for i in range(s.n_layer):
        p = f"blk.{i}."
        t.add(p + "attn_norm.weight", s.n_embd, kind="norm")
        t.add(p + "attn_q.weight", s.n_embd, s.n_embd)
        t.add(p + "attn_k.weight", s.n_embd, kv)
        t.add(p + "attn_v.weight", s.n_embd, kv)
        t.add(p + "attn_q.bias", s.n_embd, kind="bias")
        t.add(p + "attn_k.bias", kv, kind="bias")
        t.add(p + "attn_v.bias", kv, kind="bias")
        t.add(p + "attn_output.weight", s.n_embd, s.n_embd)
        t.add(p + "ffn_norm.weight", s.n_embd, kind="norm")
        t.add(p + "ffn_gate.weight", s.n_embd, s.n_ff)
        t.add(p + "ffn_up.weight", s.n_embd, s.n_ff)
        t.add(p + "ffn_down.weight", s.n_ff, s.n_embd)
    return _finish(w, path)


def v4_spec(**changes: object) -> V4Spec:
    return replace(V4Spec(), **changes)  # type: ignore[arg-type]


# --- shared pieces ---------------------------------------------------------------------------


def _writer(path: Path, arch: str) -> gguf.GGUFWriter:
    path.parent.mkdir(parents=True, exist_ok=True)
    return gguf.GGUFWriter(path, arch)


def _finish(w: gguf.GGUFWriter, path: Path) -> Path:
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


def _specials(qwen: bool) -> list[str]:
    return _special_tokens() + (QWEN_EXTRA if qwen else [])


def _vocab_size(qwen: bool) -> int:
    return 256 + len(_learn_merges(N_MERGES)) + len(_specials(qwen))


def _write_vocab(w: gguf.GGUFWriter, template_name: str | None, pre: str, *, qwen: bool) -> None:
    merges = _learn_merges(N_MERGES)
    tokens = list(_bytes_to_unicode().values()) + [a + b for a, b in merges]
    types = [gguf.TokenType.NORMAL] * len(tokens)
    first_special = len(tokens)
    for text in _specials(qwen):
        tokens.append(text)
        control = text in (BOS, EOS, PAD) or text in QWEN_EXTRA
        types.append(gguf.TokenType.CONTROL if control else gguf.TokenType.USER_DEFINED)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre(pre)
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges([f"{a} {b}" for a, b in merges])
    w.add_bos_token_id(first_special)
    w.add_eos_token_id(first_special + 1)
    w.add_pad_token_id(first_special + 2)
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)
    if template_name:
        w.add_chat_template(template(template_name))


class _Tensors:
    def __init__(self, w: gguf.GGUFWriter, seed: int, *, f16: bool) -> None:
        self.w = w
        self.f16 = f16
        self.rng = np.random.default_rng(seed)

    def experts(self, p: str, n_embd: int, n_ff_exp: int, n_expert: int) -> None:
        """A MoE layer's routed experts (stacked) and its shared expert."""
        self.add(p + "ffn_gate_exps.weight", n_embd, n_ff_exp, n_expert)
        self.add(p + "ffn_up_exps.weight", n_embd, n_ff_exp, n_expert)
        self.add(p + "ffn_down_exps.weight", n_ff_exp, n_embd, n_expert)
        self.add(p + "ffn_gate_shexp.weight", n_embd, n_ff_exp)
        self.add(p + "ffn_up_shexp.weight", n_embd, n_ff_exp)
        self.add(p + "ffn_down_shexp.weight", n_ff_exp, n_embd)

    def add(self, name: str, *ggml_shape: int, kind: str = "matrix") -> None:
        """`ggml_shape` is llama.cpp's order (ne0, ne1, …); numpy's is the reverse."""
        shape: Sequence[int] = tuple(reversed(ggml_shape))
        if kind == "norm":
            self.w.add_tensor(name, np.ones(shape, dtype=np.float32))
        elif kind == "bias":
            self.w.add_tensor(name, (self.rng.standard_normal(shape) * 0.01).astype(np.float32))
        elif kind == "half":
            self.w.add_tensor(name, np.full(shape, 0.5, dtype=np.float32))
        else:
            data = (self.rng.standard_normal(shape) / np.sqrt(ggml_shape[0])).astype(np.float32)
            if self.f16 and kind == "matrix" and len(ggml_shape) >= 2:
                self.w.add_tensor(name, data.astype(np.float16))
            else:
                self.w.add_tensor(name, data)
