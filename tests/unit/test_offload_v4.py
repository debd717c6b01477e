"""The offload planner on synthesized DeepSeek-V4-Flash (284B, 13B active) and V4-Pro (1.6T, 49B
active) inventories, and V3.2 (685B), on simulated machines: like the 671B tests, plus V4's
compressed KV cache and its small always-read tensors (indexer, compressors, hyper-connections)."""

from __future__ import annotations

import re

import pytest

from backend.engine.offload import (
    GiB,
    Machine,
    MiB,
    PlanOptions,
    PlanVerdict,
    kv_layer_bytes,
    plan_offload,
)
from backend.gguf.layout import TensorRole
from backend.gguf.shapes import QuantRecipe, deepseek_v3_layout
from backend.gguf.v4_shapes import (
    V4_FLASH,
    V4_PRO,
    deepseek_v4_layout,
    deepseek_v32_layout,
)
from tests.unit.test_offload import gpu, simulate_llama_cpp

QUANTS = ["UD-Q2_K_XL", "Q3_K_M", "UD-Q4_K_XL", "MXFP4"]
GPUS_GIB = [8, 24, 48, 80, 141]
BIG_RAM = 4096 * GiB
BF16 = QuantRecipe("BF16", *["BF16"] * 6)
# Tensors every token reads, which must sit with their layer (on the GPU when it is there).
_ALWAYS_READ = re.compile(r"\.(indexer|indexer_compressor_\w+|attn_compressor_\w+|hc_(attn|ffn)_\w+|"
                          r"ffn_gate_tid2eid|ffn_\w+_shexp)\.|^output_hc_")


@pytest.mark.parametrize("config", [V4_FLASH, V4_PRO], ids=["flash", "pro"])
@pytest.mark.parametrize("quant", QUANTS)
@pytest.mark.parametrize("vram_gib", GPUS_GIB)
def test_v4_plans_respect_budget_use_the_vram_and_keep_small_tensors_on_the_gpu(
        config: object, quant: str, vram_gib: int) -> None:
    layout = deepseek_v4_layout(config, quant)  # type: ignore[arg-type]
    device = gpu(vram_gib)
    plan = plan_offload(layout, Machine((device,), BIG_RAM, 100.0))
    [use] = plan.gpus
    assert use.total <= use.budget <= device.free_bytes - 512 * MiB
    if plan.verdict is PlanVerdict.FITS_GPU:
        assert plan.overrides == () and plan.n_gpu_layers == layout.n_layer_all + 1
    else:
        assert plan.verdict is PlanVerdict.EXPERTS_IN_RAM
        assert use.total >= 0.9 * use.budget, f"uses only {use.total / use.budget:.1%} of VRAM"
    placement = simulate_llama_cpp(layout, plan)
    assert sum(t.n_bytes for t in layout.tensors if placement.get(t.name) == "GPU") == use.weights
    # Only routed experts are ever kept in RAM by override: the override pattern is llama.cpp's
    # expert pattern, and shared experts, indexer and hyper-connections stay with their layer.
    overridden = {name for name in placement if any(re.search(p, name) for p in plan.overrides)}
    assert all(re.search(r"\.ffn_(up|down|gate)_exps\.", n) for n in overridden)
    start = layout.n_layer_all + 1 - plan.n_gpu_layers
    small = [t for t in layout.tensors if _ALWAYS_READ.search(t.name)]
    assert small and all(placement[t.name] == "GPU" for t in small
                         if t.layer is None or t.layer >= start)
    assert plan.expected_tps > 0


def test_v4_kv_cache_is_compressed_not_planned_as_full_attention() -> None:
    flash = deepseek_v4_layout(V4_FLASH)
    # llama.cpp's DSV4 cache with swa_full off: 6,880 B a token at f16 plus ~44 MiB of window
    # and compressor state (checked against llama.cpp's own allocation log: see
    # tests/integration/test_generations_engine.py for the tiny model).
    half, full = (sum(kv_layer_bytes(flash, n, "f16")) for n in (1 << 19, 1 << 20))
    assert (full - half) / (1 << 19) == 6880
    assert full - (1 << 20) * 6880 == pytest.approx(43.9 * MiB, rel=0.01)
    assert full / GiB == pytest.approx(6.76, abs=0.01)  # 1M tokens: 6.8 GiB, not 49.7 GiB
    # Compressed entries come in blocks of 256 cells, so short contexts round up a little.
    assert sum(kv_layer_bytes(flash, 8192, "f16")) / MiB == pytest.approx(101.4, abs=0.1)
    # V3.2: the MLA row and the indexer key for every token: 85,888 B at f16.
    v32 = deepseek_v32_layout("Q4_K_M")
    assert sum(kv_layer_bytes(v32, 8192, "f16")) == 8192 * 85888
    assert sum(kv_layer_bytes(v32, 8192, "q8_0")) == 8192 * 61 * 704 * 34 // 32


def test_a_million_token_v4_context_fits_a_24_gb_card_with_the_experts_in_ram() -> None:
    layout = deepseek_v4_layout(V4_FLASH, "UD-Q2_K_XL")
    plan = plan_offload(layout, Machine((gpu(24),), 128 * GiB, 60.0), PlanOptions(n_ctx=1 << 20))
    assert plan.verdict is PlanVerdict.EXPERTS_IN_RAM
    assert plan.kv_bytes < 7 * GiB and plan.gpus[0].total <= plan.gpus[0].budget


def test_v4_shapes_give_the_published_totals_and_active_parameters() -> None:
    for config, total, active in ((V4_FLASH, 284e9, 13e9), (V4_PRO, 1.6e12, 49e9)):
        layout = deepseek_v4_layout(config, BF16)  # 2 bytes a weight: bytes → parameters
        params = layout.total_bytes / 2
        share = layout.n_expert_used / layout.n_expert
        read = sum(t.n_bytes * (share if t.role is TensorRole.EXPERTS else 1.0) for t in layout.tensors
                   if t.role is not TensorRole.INPUT) / 2
        assert params == pytest.approx(total, rel=0.03)
        assert read == pytest.approx(active, rel=0.03)


def test_v4_flash_reads_far_less_per_token_than_the_671b_so_it_decodes_faster() -> None:
    machine = Machine((gpu(24),), 128 * GiB, 60.0)
    flash = plan_offload(deepseek_v4_layout(V4_FLASH, "UD-Q2_K_XL"), machine)
    r1 = plan_offload(deepseek_v3_layout("UD-IQ1_S"), machine)
    pro = plan_offload(deepseek_v4_layout(V4_PRO, "UD-Q2_K_XL"), Machine((gpu(80),), BIG_RAM, 60.0))
    assert flash.expected_tps > 1.5 * r1.expected_tps
    assert pro.expected_tps < flash.expected_tps
