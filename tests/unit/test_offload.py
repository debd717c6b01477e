"""The offload planner on the real DeepSeek-R1 671B inventory and simulated machines."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backend.engine.offload import (
    GiB,
    GpuBudget,
    Machine,
    MiB,
    OffloadPlan,
    PlanOptions,
    PlanVerdict,
    kv_bytes_per_layer,
    plan_offload,
)
from backend.gguf.layout import ModelLayout, TensorRole, layout_from_gguf
from backend.gguf.reader import read_model
from backend.gguf.shapes import deepseek_v3_layout
from tests.support.tiny_model import write_tiny_model

QUANTS = ["UD-IQ1_S", "Q2_K", "Q4_K_M", "Q8_0"]
GPUS_GIB = [8, 24, 48, 80, 141]
BIG_RAM = 1024 * GiB


def gpu(total_gib: float, *, free_fraction: float = 0.97, bandwidth: float = 1000.0) -> GpuBudget:
    total = int(total_gib * GiB)
    return GpuBudget(f"GPU {total_gib} GiB", int(total * free_fraction), total, bandwidth)


def simulate_llama_cpp(layout: ModelLayout, plan: OffloadPlan) -> dict[str, str]:
    """Where llama.cpp puts each tensor for this plan, derived independently of the planner:
    override regexes are searched in tensor names first; the rest follows n_gpu_layers
    (the last n virtual layers, the output layer counting as the one after the last block)."""
    n_all = layout.n_layer_all
    start = max(n_all + 1 - plan.n_gpu_layers, 0)
    placement = {}
    for t in layout.tensors:
        if t.role is TensorRole.SKIPPED:
            continue
        if any(re.search(p, t.name) for p in plan.overrides) or t.role is TensorRole.INPUT:
            placement[t.name] = "CPU"
        else:
            layer = n_all if t.role is TensorRole.OUTPUT else t.layer
            placement[t.name] = "GPU" if plan.n_gpu_layers and layer >= start else "CPU"
    return placement


@pytest.mark.parametrize("quant", QUANTS)
@pytest.mark.parametrize("vram_gib", GPUS_GIB)
def test_plans_respect_budget_and_use_the_vram(quant: str, vram_gib: int) -> None:
    layout = deepseek_v3_layout(quant)
    device = gpu(vram_gib)
    plan = plan_offload(layout, Machine((device,), BIG_RAM, 100.0))
    [use] = plan.gpus
    # Never over budget, and the budget itself keeps a safety margin below free memory.
    assert use.total <= use.budget
    assert use.budget <= device.free_bytes - 512 * MiB
    if plan.verdict is PlanVerdict.FITS_GPU:
        assert plan.overrides == () and plan.n_gpu_layers == layout.n_layer_all + 1
    else:
        assert plan.verdict is PlanVerdict.EXPERTS_IN_RAM
        assert use.total >= 0.9 * use.budget, f"uses only {use.total / use.budget:.1%} of VRAM"
    # The plan's bookkeeping matches what llama.cpp would do with its parameters.
    placement = simulate_llama_cpp(layout, plan)
    gpu_weights = sum(t.n_bytes for t in layout.tensors if placement.get(t.name) == "GPU")
    assert gpu_weights == use.weights
    start = layout.n_layer_all + 1 - plan.n_gpu_layers
    experts_of_gpu_layers = {
        t.name for t in layout.tensors if t.role is TensorRole.EXPERTS and (t.layer or 0) >= start
    }
    held_in_ram = {n for n in experts_of_gpu_layers if placement[n] == "CPU"}
    assert held_in_ram == set(plan.cpu_expert_tensors)
    assert plan.expected_tps > 0


@pytest.mark.parametrize("quant", QUANTS)
def test_more_vram_means_fewer_experts_in_ram_and_more_speed(quant: str) -> None:
    layout = deepseek_v3_layout(quant)
    plans = [plan_offload(layout, Machine((gpu(v),), BIG_RAM, 100.0)) for v in GPUS_GIB]
    cpu_expert_bytes = []
    for plan in plans:
        placement = simulate_llama_cpp(layout, plan)
        cpu_expert_bytes.append(sum(
            t.n_bytes for t in layout.tensors if t.role is TensorRole.EXPERTS and placement[t.name] == "CPU"
        ))
    assert cpu_expert_bytes == sorted(cpu_expert_bytes, reverse=True)
    speeds = [p.expected_tps for p in plans]
    assert speeds == sorted(speeds)


def test_small_gpu_keeps_whole_layers_on_cpu() -> None:
    """8 GiB cannot hold even the non-expert weights of Q8_0: layers split as n_gpu_layers does."""
    layout = deepseek_v3_layout("Q8_0")
    plan = plan_offload(layout, Machine((gpu(8),), BIG_RAM, 100.0))
    assert plan.verdict is PlanVerdict.EXPERTS_IN_RAM
    assert 1 < plan.n_gpu_layers < layout.n_layer_all + 1
    assert plan.cpu_expert_layers == 58
    assert plan.summary().startswith(f"GPU {plan.gpu_bytes / 1e9:.1f} GB · {plan.n_gpu_layers - 1} of 61 layers on the GPU")


def test_iq1_s_fits_a_141_gib_gpu() -> None:
    plan = plan_offload(deepseek_v3_layout("UD-IQ1_S"), Machine((gpu(141),), BIG_RAM, 100.0))
    assert plan.verdict is PlanVerdict.FITS_GPU
    assert plan.summary() == f"GPU {plan.gpu_bytes / 1e9:.1f} GB · everything on the GPU · ~{plan.expected_tps:.1f} tok/s"


def test_summary_counts_moe_layers_in_ram() -> None:
    plan = plan_offload(deepseek_v3_layout("UD-IQ1_S"), Machine((gpu(24),), BIG_RAM, 100.0))
    layers = {int(n.split(".")[1]) for n in plan.cpu_expert_tensors}
    assert plan.cpu_expert_layers == len(layers)
    assert plan.summary() == (f"GPU {plan.gpu_bytes / 1e9:.1f} GB · experts of {len(layers)} "
                              f"layers in RAM · ~{plan.expected_tps:.1f} tok/s")


def test_manual_override_counts_moe_layers_only() -> None:
    layout = deepseek_v3_layout("UD-IQ1_S")
    machine = Machine((gpu(80),), BIG_RAM, 100.0)
    plan = plan_offload(layout, machine, PlanOptions(cpu_moe_layers=10))
    layers = sorted({int(n.split(".")[1]) for n in plan.cpu_expert_tensors})
    assert layers == list(range(3, 13))  # the first 10 MoE layers; layers 0-2 are dense
    assert len(plan.cpu_expert_tensors) == 30
    everything = plan_offload(layout, machine, PlanOptions(cpu_moe_layers=-1))
    assert everything.cpu_expert_layers == 58
    assert not everything.over_budget
    nothing = plan_offload(layout, Machine((gpu(24),), BIG_RAM, 100.0), PlanOptions(cpu_moe_layers=0))
    assert nothing.cpu_expert_tensors == ()
    assert nothing.over_budget
    assert nothing.notes[0].startswith("This plan needs")


def test_override_patterns_match_exactly_the_planned_tensors() -> None:
    layout = deepseek_v3_layout("Q4_K_M")
    for vram in GPUS_GIB:
        plan = plan_offload(layout, Machine((gpu(vram),), BIG_RAM, 100.0))
        matched = {t.name for t in layout.tensors if any(re.search(p, t.name) for p in plan.overrides)}
        assert matched == set(plan.cpu_expert_tensors)


def test_cpu_only_and_larger_than_memory() -> None:
    layout = deepseek_v3_layout("UD-IQ1_S")
    plan = plan_offload(layout, Machine((), 512 * GiB, 100.0))
    assert plan.verdict is PlanVerdict.CPU_ONLY
    assert (plan.n_gpu_layers, plan.overrides) == (0, ())
    assert plan.cpu_bytes > layout.total_bytes
    small = plan_offload(layout, Machine((), 64 * GiB, 100.0))
    assert small.verdict is PlanVerdict.EXCEEDS_MEMORY
    assert small.use_mmap
    assert small.summary().endswith("larger than memory: reads from disk, very slow")
    # A GPU too small to matter is ignored rather than planned for.
    tiny_gpu = plan_offload(layout, Machine((gpu(0.5),), 512 * GiB, 100.0))
    assert tiny_gpu.verdict is PlanVerdict.CPU_ONLY


def test_gpu_plus_ram_can_hold_what_ram_alone_cannot() -> None:
    layout = deepseek_v3_layout("UD-IQ1_S")  # ~139 GB
    plan = plan_offload(layout, Machine((gpu(48),), 110 * GiB, 100.0))
    assert plan.verdict is PlanVerdict.EXPERTS_IN_RAM
    assert plan.cpu_bytes <= 110 * GiB


def test_unified_memory_counts_gpu_use_against_ram() -> None:
    layout = deepseek_v3_layout("UD-IQ1_S")
    apple = GpuBudget("Apple M3 Ultra", 150 * GiB, 160 * GiB, 819.0, unified=True)
    plan = plan_offload(layout, Machine((apple,), 170 * GiB, 400.0))
    assert plan.cpu.budget == 170 * GiB - plan.gpu_bytes


def test_two_gpus_each_within_budget() -> None:
    layout = deepseek_v3_layout("Q4_K_M")
    machine = Machine((gpu(80), gpu(48)), BIG_RAM, 100.0)
    plan = plan_offload(layout, machine)
    assert len(plan.gpus) == 2
    for use in plan.gpus:
        assert 0.9 * use.budget <= use.total <= use.budget
    assert plan.tensor_split == pytest.approx((80 / 128, 48 / 128), rel=0.02)


def test_mla_kv_cache_is_about_70x_smaller() -> None:
    mla = kv_bytes_per_layer(deepseek_v3_layout("Q4_K_M"), 8192, "f16")
    legacy = kv_bytes_per_layer(deepseek_v3_layout("Q4_K_M", mla=False), 8192, "f16")
    assert mla == 8192 * 576 * 2
    assert legacy / mla == pytest.approx(71.1, rel=0.01)
    assert kv_bytes_per_layer(deepseek_v3_layout("Q4_K_M"), 8192, "q8_0") == 8192 * 576 * 34 // 32


def test_longer_context_costs_vram() -> None:
    layout = deepseek_v3_layout("UD-IQ1_S")
    machine = Machine((gpu(48),), BIG_RAM, 100.0)
    short = plan_offload(layout, machine, PlanOptions(n_ctx=4096))
    long = plan_offload(layout, machine, PlanOptions(n_ctx=65536))
    assert long.kv_bytes == 16 * short.kv_bytes
    assert len(long.cpu_expert_tensors) > len(short.cpu_expert_tensors)


def test_layout_from_a_real_gguf(tmp_path: Path) -> None:
    layout = layout_from_gguf(read_model(write_tiny_model(tmp_path / "t.gguf")))
    assert (layout.n_layer, layout.n_dense_lead, layout.n_expert, layout.n_expert_used) == (3, 1, 8, 2)
    assert layout.moe_layers == (1, 2)
    assert (layout.kv_k_elements, layout.kv_v_elements, layout.mla) == (48, 0, True)
    assert {t.name for t in layout.tensors if t.role is TensorRole.EXPERTS} == {
        f"blk.{i}.ffn_{k}_exps.weight" for i in (1, 2) for k in ("gate", "up", "down")
    }
