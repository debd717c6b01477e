"""DeepSeek-V3.2 (685B) and V4 (V4-Flash 284B, V4-Pro 1.6T) tensor inventories, synthesized.

As `shapes` does for V3/R1: the planner judges a checkpoint before it is downloaded, and tests
plan against the real models' shapes without their files. Tensor names and shapes follow
llama.cpp's loaders (`src/models/deepseek32.cpp`, `deepseek4.cpp` in the bundled llama.cpp).

V4-Flash's shape is the published one (43 layers, hidden 4096, 256 experts of width 2048, top 6,
1 shared, 64 heads of 512, 8 output groups, 3 hash-routed layers, indexer 64x128, compress
ratios 0,0 then 4 and 128 alternating): 284B parameters, 13B active per token. V4-Pro's card
gives hidden 7168 and 384 experts of width 3072 (top 6); its layer and head counts are not in
the sources at hand, so they are an estimate (61 layers, 128 heads, Flash's ratio pattern) that
lands on the published 1.6T total and 49B active within 3%.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from backend.gguf.layout import ModelLayout, TensorSpec, classify
from backend.gguf.shapes import RECIPES as V3_RECIPES
from backend.gguf.shapes import QuantRecipe, deepseek_v3_layout, scaled_to, tensor_bytes

N_VOCAB = 129280


@dataclass(frozen=True, slots=True)
class V4Config:
    name: str
    n_layer: int
    n_embd: int
    n_head: int
    head_dim: int
    q_lora: int
    o_groups: int
    o_lora: int
    n_expert: int
    n_expert_used: int
    n_ff_exp: int
    n_shared: int
    hash_layers: int
    idx_heads: int
    idx_head: int
    window: int
    n_ctx_train: int = 1048576
    hc: int = 4

    @property
    def compress_ratios(self) -> tuple[int, ...]:
        return (0, 0) + tuple(4 if i % 2 == 0 else 128 for i in range(2, self.n_layer))


V4_FLASH = V4Config("V4-Flash", 43, 4096, 64, 512, 1024, 8, 1024, 256, 6, 2048, 1, 3, 64, 128,
                    128)
V4_PRO = V4Config("V4-Pro", 61, 7168, 128, 512, 1536, 16, 1024, 384, 6, 3072, 1, 3, 64, 128, 128)
V4_MODELS = {"v4-flash": V4_FLASH, "v4-pro": V4_PRO}

# Quant mixes as the published V4 GGUFs make them: routed experts carry the bits; attention,
# shared experts and the output stay near 8 bits; the tiny hyper-connection, compressor and
# indexer tensors stay F16. The "Q4" quants keep the experts in their native MXFP4, which is why
# unsloth's UD-Q4_K_XL (155 GB) is barely smaller than its UD-Q8_K_XL (162 GB).
V4_RECIPES = {
    r.name: r
    for r in [
        QuantRecipe("UD-IQ1_M", "IQ1_M", "IQ2_XXS", "Q8_0", "Q8_0", "Q8_0", "Q8_0"),
        QuantRecipe("UD-IQ2_XXS", "IQ2_XXS", "Q2_K", "Q8_0", "Q8_0", "Q8_0", "Q8_0"),
        QuantRecipe("UD-Q2_K_XL", "Q2_K", "Q3_K", "Q8_0", "Q8_0", "Q8_0", "Q8_0"),
        QuantRecipe("UD-IQ3_XXS", "IQ3_XXS", "IQ3_XXS", "Q8_0", "Q8_0", "Q8_0", "Q8_0"),
        QuantRecipe("Q3_K_M", "Q3_K", "Q4_K", "Q8_0", "Q8_0", "Q8_0", "Q8_0"),
        QuantRecipe("UD-Q4_K_XL", "MXFP4", "MXFP4", "Q8_0", "Q8_0", "Q8_0", "Q8_0"),
        QuantRecipe("MXFP4", "MXFP4", "MXFP4", "Q8_0", "Q8_0", "Q8_0", "Q8_0"),
        QuantRecipe("Q4_K_M", "Q4_K", "Q6_K", "Q8_0", "Q8_0", "Q8_0", "Q8_0"),
        QuantRecipe("UD-Q8_K_XL", "MXFP4", "MXFP4", "BF16", "BF16", "Q8_0", "BF16"),
        QuantRecipe("Q8_0", "Q8_0", "Q8_0", "Q8_0", "Q8_0", "Q8_0", "Q8_0"),
    ]
}


def v4_recipe(quant: str) -> QuantRecipe:
    """The recipe named `quant` (case-insensitive), else the nearest by its bit count."""
    for name, recipe in V4_RECIPES.items():
        if name.lower() == quant.lower():
            return recipe
    q = quant.upper()
    for marker, name in (("IQ1", "UD-IQ1_M"), ("IQ2", "UD-IQ2_XXS"), ("Q2", "UD-Q2_K_XL"),
                         ("IQ3", "UD-IQ3_XXS"), ("Q3", "Q3_K_M"), ("MXFP4", "MXFP4"),
                         ("Q4", "UD-Q4_K_XL"), ("Q8", "UD-Q8_K_XL")):
        if marker in q:
            return V4_RECIPES[name]
    return V4_RECIPES["UD-Q4_K_XL"]


def deepseek_v4_layout(config: V4Config = V4_FLASH, recipe: QuantRecipe | str = "UD-Q4_K_XL"
                       ) -> ModelLayout:
    """V4's tensors at `recipe`: attention with compressors and the lightning indexer,
    hyper-connection mixers, hash-routed leading layers, then the MoE FFN."""
    r = v4_recipe(recipe) if isinstance(recipe, str) else recipe
    c = config
    f32, f16 = "F32", "F16"
    hc_dim, mix = c.hc * c.n_embd, (2 + c.hc) * c.hc
    tensors: list[tuple[str, int]] = [
        ("token_embd.weight", tensor_bytes(r.embeddings, c.n_embd, N_VOCAB)),
        ("output_norm.weight", tensor_bytes(f32, c.n_embd)),
        ("output.weight", tensor_bytes(r.output, c.n_embd, N_VOCAB)),
        ("output_hc_fn.weight", tensor_bytes(f16, hc_dim, c.hc)),
        ("output_hc_base.weight", tensor_bytes(f32, c.hc)),
        ("output_hc_scale.weight", tensor_bytes(f32, 1)),
    ]
    for i, ratio in enumerate(c.compress_ratios):
        p = f"blk.{i}."
        tensors += [
            (p + "attn_norm.weight", tensor_bytes(f32, c.n_embd)),
            (p + "attn_sinks.weight", tensor_bytes(f32, c.n_head)),
            (p + "attn_q_a.weight", tensor_bytes(r.attention, c.n_embd, c.q_lora)),
            (p + "attn_q_a_norm.weight", tensor_bytes(f32, c.q_lora)),
            (p + "attn_q_b.weight", tensor_bytes(r.attention, c.q_lora, c.n_head * c.head_dim)),
            (p + "attn_kv.weight", tensor_bytes(r.attention, c.n_embd, c.head_dim)),
            (p + "attn_kv_a_norm.weight", tensor_bytes(f32, c.head_dim)),
            (p + "attn_output_a.weight", tensor_bytes(r.attention, c.n_head * c.head_dim // c.o_groups,
                                                c.o_lora * c.o_groups)),
            (p + "attn_output_b.weight", tensor_bytes(r.attention, c.o_groups * c.o_lora, c.n_embd)),
            (p + "ffn_norm.weight", tensor_bytes(f32, c.n_embd)),
        ]
        for part in ("attn", "ffn"):
            tensors += [
                (p + f"hc_{part}_fn.weight", tensor_bytes(f16, hc_dim, mix)),
                (p + f"hc_{part}_base.weight", tensor_bytes(f32, mix)),
                (p + f"hc_{part}_scale.weight", tensor_bytes(f32, 3)),
            ]
        if ratio:
            width = (2 if ratio == 4 else 1) * c.head_dim
            tensors += [
                (p + "attn_compressor_kv.weight", tensor_bytes(f16, c.n_embd, width)),
                (p + "attn_compressor_gate.weight", tensor_bytes(f16, c.n_embd, width)),
                (p + "attn_compressor_ape.weight", tensor_bytes(f32, width, ratio)),
                (p + "attn_compressor_norm.weight", tensor_bytes(f32, c.head_dim)),
            ]
        if ratio == 4:
            tensors += [
                (p + "indexer.proj.weight", tensor_bytes(f16, c.n_embd, c.idx_heads)),
                (p + "indexer.attn_q_b.weight", tensor_bytes(f16, c.q_lora, c.idx_heads * c.idx_head)),
                (p + "indexer_compressor_kv.weight", tensor_bytes(f16, c.n_embd, 2 * c.idx_head)),
                (p + "indexer_compressor_gate.weight", tensor_bytes(f16, c.n_embd, 2 * c.idx_head)),
                (p + "indexer_compressor_ape.weight", tensor_bytes(f32, 2 * c.idx_head, 4)),
                (p + "indexer_compressor_norm.weight", tensor_bytes(f32, c.idx_head)),
            ]
        tensors.append((p + "ffn_gate_inp.weight", tensor_bytes(f16, c.n_embd, c.n_expert)))
        if i < c.hash_layers:
            tensors.append((p + "ffn_gate_tid2eid.weight", tensor_bytes("I32", c.n_expert_used, N_VOCAB)))
        else:
            tensors.append((p + "exp_probs_b.bias", tensor_bytes(f32, c.n_expert)))
        shared = c.n_ff_exp * c.n_shared
        tensors += [
            (p + "ffn_gate_exps.weight", tensor_bytes(r.experts_gate_up, c.n_embd, c.n_ff_exp, c.n_expert)),
            (p + "ffn_up_exps.weight", tensor_bytes(r.experts_gate_up, c.n_embd, c.n_ff_exp, c.n_expert)),
            (p + "ffn_down_exps.weight", tensor_bytes(r.experts_down, c.n_ff_exp, c.n_embd, c.n_expert)),
            (p + "ffn_gate_shexp.weight", tensor_bytes(r.shared, c.n_embd, shared)),
            (p + "ffn_up_shexp.weight", tensor_bytes(r.shared, c.n_embd, shared)),
            (p + "ffn_down_shexp.weight", tensor_bytes(r.shared, shared, c.n_embd)),
        ]
    specs = tuple(TensorSpec(name, size, *classify(name, c.n_layer)) for name, size in tensors)
    return ModelLayout(
        arch="deepseek4", n_layer=c.n_layer, n_layer_all=c.n_layer, n_dense_lead=0,
        n_expert=c.n_expert, n_expert_used=c.n_expert_used, n_embd=c.n_embd, n_head=c.n_head,
        n_head_kv=1, n_ff=0, n_ff_exp=c.n_ff_exp, n_vocab=N_VOCAB, n_ctx_train=c.n_ctx_train,
        kv_k_elements=c.head_dim, kv_v_elements=0, mla=None, tensors=specs,
        compress_ratios=c.compress_ratios, indexer_key_length=c.idx_head,
        sliding_window=c.window, hyper_connections=c.hc,
    )


# DeepSeek-V3.2's lightning indexer, per layer (config.json: index_n_heads 64, index_head_dim
# 128); the rest of the model is V3's 671B.
V32_INDEXER_HEADS = 64
V32_INDEXER_HEAD = 128
V32_Q_LORA = 1536
V32_EMBD = 7168


def deepseek_v32_layout(recipe: QuantRecipe | str = "Q4_K_M") -> ModelLayout:
    """V3.2's tensors: V3's (MLA) plus each layer's lightning indexer; its KV cache holds the
    indexer's 128-wide key beside the 576-wide MLA row."""
    r = V3_RECIPES[recipe] if isinstance(recipe, str) else recipe
    base = deepseek_v3_layout(r)
    extra: list[TensorSpec] = []
    for i in range(base.n_layer):
        p = f"blk.{i}."
        for name, size in (
            ("indexer.k_norm.weight", tensor_bytes("F32", V32_INDEXER_HEAD)),
            ("indexer.k_norm.bias", tensor_bytes("F32", V32_INDEXER_HEAD)),
            ("indexer.proj.weight", tensor_bytes("F16", V32_EMBD, V32_INDEXER_HEADS)),
            ("indexer.attn_k.weight", tensor_bytes(r.attention, V32_EMBD, V32_INDEXER_HEAD)),
            ("indexer.attn_q_b.weight", tensor_bytes(r.attention, V32_Q_LORA,
                                               V32_INDEXER_HEADS * V32_INDEXER_HEAD)),
        ):
            extra.append(TensorSpec(p + name, size, *classify(p + name, base.n_layer)))
    return replace(base, arch="deepseek32", tensors=base.tensors + tuple(extra),
                   kv_k_elements=base.kv_k_elements + V32_INDEXER_HEAD)


def v4_layout_for(name: str, quant: str, total_bytes: int | None = None) -> ModelLayout:
    """A V4 inventory for a catalog entry (`name` holds Flash or Pro), scaled to a file size."""
    config = V4_PRO if "pro" in name.lower() else V4_FLASH
    layout = deepseek_v4_layout(config, quant)
    return scaled_to(layout, total_bytes) if total_bytes else layout
