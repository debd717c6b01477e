"""DeepSeek-V3/R1 (671B) tensor inventory, synthesized from the architecture and a quant recipe.

Lets the planner judge a checkpoint before a byte of it is downloaded, and lets tests plan
against the real model's shapes without a 131-713 GB file. Recipes approximate the published
quants' type mix (Unsloth's dynamic quants keep attention, shared experts and dense layers at
higher precision than the routed experts) and land within ~5% of the Hub's listed sizes;
`scaled_to` matches a known total exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from backend.gguf.layout import ModelLayout, TensorRole, TensorSpec, classify
from backend.gguf.quant_types import BY_NAME

# DeepSeek-V3 / R1 config.json
N_LAYER = 61
N_DENSE = 3
N_EMBD = 7168
N_FF = 18432
N_FF_EXP = 2048
N_EXPERT = 256
N_EXPERT_USED = 8
N_HEAD = 128
N_VOCAB = 129280
Q_LORA = 1536
KV_LORA = 512
QK_ROPE = 64
QK_NOPE = 128
V_HEAD = 128
N_CTX_TRAIN = 163840


@dataclass(frozen=True, slots=True)
class QuantRecipe:
    """Quant type per tensor role."""

    name: str
    experts_gate_up: str
    experts_down: str
    attention: str
    shared: str  # shared experts and dense FFN
    embeddings: str
    output: str


RECIPES = {
    r.name: r
    for r in [
        QuantRecipe("UD-IQ1_S", "IQ1_S", "IQ1_S", "Q4_K", "Q4_K", "Q4_K", "Q6_K"),
        QuantRecipe("UD-IQ1_M", "IQ1_M", "IQ2_XXS", "Q4_K", "Q4_K", "Q4_K", "Q6_K"),
        QuantRecipe("UD-IQ2_XXS", "IQ2_XXS", "Q2_K", "Q4_K", "Q4_K", "Q4_K", "Q6_K"),
        QuantRecipe("UD-Q2_K_XL", "Q2_K", "Q2_K", "Q4_K", "Q4_K", "Q4_K", "Q6_K"),
        QuantRecipe("Q2_K", "Q2_K", "Q3_K", "Q3_K", "Q3_K", "Q3_K", "Q6_K"),
        QuantRecipe("Q4_K_M", "Q4_K", "Q6_K", "Q4_K", "Q4_K", "Q4_K", "Q6_K"),
        QuantRecipe("Q8_0", "Q8_0", "Q8_0", "Q8_0", "Q8_0", "Q8_0", "Q8_0"),
    ]
}


def tensor_bytes(qtype: str, *shape: int) -> int:
    """The bytes of a tensor of `shape` stored as `qtype` (e.g. "Q4_K")."""
    n = 1
    for d in shape:
        n *= d
    return BY_NAME[qtype].n_bytes(n)


def deepseek_v3_layout(recipe: QuantRecipe | str = "Q4_K_M", *, mla: bool = True) -> ModelLayout:
    """The 671B model's tensors at `recipe` (MLA conversion unless `mla=False`)."""
    r = RECIPES[recipe] if isinstance(recipe, str) else recipe
    f32 = "F32"
    tensors: list[tuple[str, int]] = [
        ("token_embd.weight", tensor_bytes(r.embeddings, N_EMBD, N_VOCAB)),
        ("output_norm.weight", tensor_bytes(f32, N_EMBD)),
        ("output.weight", tensor_bytes(r.output, N_EMBD, N_VOCAB)),
    ]
    for i in range(N_LAYER):
        p = f"blk.{i}."
        tensors += [
            (p + "attn_norm.weight", tensor_bytes(f32, N_EMBD)),
            (p + "attn_q_a_norm.weight", tensor_bytes(f32, Q_LORA)),
            (p + "attn_kv_a_norm.weight", tensor_bytes(f32, KV_LORA)),
            (p + "attn_q_a.weight", tensor_bytes(r.attention, N_EMBD, Q_LORA)),
            (p + "attn_q_b.weight", tensor_bytes(r.attention, Q_LORA, N_HEAD * (QK_NOPE + QK_ROPE))),
            (p + "attn_kv_a_mqa.weight", tensor_bytes(r.attention, N_EMBD, KV_LORA + QK_ROPE)),
            (p + "attn_output.weight", tensor_bytes(r.attention, N_HEAD * V_HEAD, N_EMBD)),
            (p + "ffn_norm.weight", tensor_bytes(f32, N_EMBD)),
        ]
        if mla:
            # k_b rows are 128 wide: K-quants need 256, so converters keep these at Q8_0.
            tensors += [
                (p + "attn_k_b.weight", tensor_bytes("Q8_0", QK_NOPE, KV_LORA, N_HEAD)),
                (p + "attn_v_b.weight", tensor_bytes("Q8_0", KV_LORA, V_HEAD, N_HEAD)),
            ]
        else:
            tensors.append((p + "attn_kv_b.weight",
                            tensor_bytes(r.attention, KV_LORA, N_HEAD * (QK_NOPE + V_HEAD))))
        if i < N_DENSE:
            tensors += [
                (p + "ffn_gate.weight", tensor_bytes(r.shared, N_EMBD, N_FF)),
                (p + "ffn_up.weight", tensor_bytes(r.shared, N_EMBD, N_FF)),
                (p + "ffn_down.weight", tensor_bytes(r.shared, N_FF, N_EMBD)),
            ]
            continue
        tensors += [
            (p + "ffn_gate_inp.weight", tensor_bytes(f32, N_EMBD, N_EXPERT)),
            (p + "exp_probs_b.bias", tensor_bytes(f32, N_EXPERT)),
            (p + "ffn_gate_exps.weight", tensor_bytes(r.experts_gate_up, N_EMBD, N_FF_EXP, N_EXPERT)),
            (p + "ffn_up_exps.weight", tensor_bytes(r.experts_gate_up, N_EMBD, N_FF_EXP, N_EXPERT)),
            (p + "ffn_down_exps.weight", tensor_bytes(r.experts_down, N_FF_EXP, N_EMBD, N_EXPERT)),
            (p + "ffn_gate_shexp.weight", tensor_bytes(r.shared, N_EMBD, N_FF_EXP)),
            (p + "ffn_up_shexp.weight", tensor_bytes(r.shared, N_EMBD, N_FF_EXP)),
            (p + "ffn_down_shexp.weight", tensor_bytes(r.shared, N_FF_EXP, N_EMBD)),
        ]
    specs = tuple(TensorSpec(name, size, *classify(name, N_LAYER)) for name, size in tensors)
    return ModelLayout(
        arch="deepseek2",
        n_layer=N_LAYER,
        n_layer_all=N_LAYER,
        n_dense_lead=N_DENSE,
        n_expert=N_EXPERT,
        n_expert_used=N_EXPERT_USED,
        n_embd=N_EMBD,
        n_head=N_HEAD,
        n_head_kv=1 if mla else N_HEAD,
        n_ff=N_FF,
        n_ff_exp=N_FF_EXP,
        n_vocab=N_VOCAB,
        n_ctx_train=N_CTX_TRAIN,
        kv_k_elements=(KV_LORA + QK_ROPE) if mla else N_HEAD * (QK_NOPE + QK_ROPE),
        kv_v_elements=0 if mla else N_HEAD * V_HEAD,
        mla=mla,
        tensors=specs,
    )


def scaled_to(layout: ModelLayout, total_bytes: int) -> ModelLayout:
    """The same layout with every tensor scaled so the total matches a published file size."""
    factor = total_bytes / layout.total_bytes
    tensors = tuple(
        replace(t, n_bytes=round(t.n_bytes * factor)) if t.role is not TensorRole.SKIPPED else t
        for t in layout.tensors
    )
    return replace(layout, tensors=tensors)


@dataclass(frozen=True, slots=True)
class DenseConfig:
    """A dense transformer's shape (the R1 distills' Qwen2.5 and Llama 3 bases)."""

    arch: str
    n_layer: int
    n_embd: int
    n_head: int
    n_head_kv: int
    n_ff: int
    n_vocab: int
    n_ctx_train: int


# From the base models' config.json files.
DISTILLS = {
    "Qwen-1.5B": DenseConfig("qwen2", 28, 1536, 12, 2, 8960, 151936, 131072),
    "Qwen-7B": DenseConfig("qwen2", 28, 3584, 28, 4, 18944, 152064, 131072),
    "Qwen-14B": DenseConfig("qwen2", 48, 5120, 40, 8, 13824, 152064, 131072),
    "Qwen-32B": DenseConfig("qwen2", 64, 5120, 40, 8, 27648, 152064, 131072),
    "Llama-8B": DenseConfig("llama", 32, 4096, 32, 8, 14336, 128256, 131072),
    "Llama-70B": DenseConfig("llama", 80, 8192, 64, 8, 28672, 128256, 131072),
}


def dense_layout(config: DenseConfig, total_bytes: int) -> ModelLayout:
    """A dense model's tensors, sized so that together they make `total_bytes`."""
    head = config.n_embd // config.n_head
    kv = config.n_head_kv * head
    shapes: list[tuple[str, int]] = [
        ("token_embd.weight", config.n_embd * config.n_vocab),
        ("output_norm.weight", config.n_embd),
        ("output.weight", config.n_embd * config.n_vocab),
    ]
    for i in range(config.n_layer):
        p = f"blk.{i}."
        shapes += [
            (p + "attn_norm.weight", config.n_embd),
            (p + "attn_q.weight", config.n_embd * config.n_embd),
            (p + "attn_k.weight", config.n_embd * kv),
            (p + "attn_v.weight", config.n_embd * kv),
            (p + "attn_output.weight", config.n_embd * config.n_embd),
            (p + "ffn_norm.weight", config.n_embd),
            (p + "ffn_gate.weight", config.n_embd * config.n_ff),
            (p + "ffn_up.weight", config.n_embd * config.n_ff),
            (p + "ffn_down.weight", config.n_ff * config.n_embd),
        ]
    specs = tuple(TensorSpec(n, size, *classify(n, config.n_layer)) for n, size in shapes)
    layout = ModelLayout(
        arch=config.arch, n_layer=config.n_layer, n_layer_all=config.n_layer, n_dense_lead=0,
        n_expert=0, n_expert_used=0, n_embd=config.n_embd, n_head=config.n_head,
        n_head_kv=config.n_head_kv, n_ff=config.n_ff, n_ff_exp=0, n_vocab=config.n_vocab,
        n_ctx_train=config.n_ctx_train, kv_k_elements=kv, kv_v_elements=kv, mla=None,
        tensors=specs,
    )
    return scaled_to(layout, total_bytes)
