"""Fit verdicts for catalog entries, on simulated machines, before any download."""

from __future__ import annotations

from backend.engine.offload import GiB, GpuBudget, Machine
from backend.hub.catalog import CatalogOption, load_catalog
from backend.hub.client import RemoteFile
from backend.hub.fit import fit_verdict

CATALOG = load_catalog()
GB = 10**9


def option(repo: str, quant: str, total: int, parts: int = 1) -> CatalogOption:
    model = CATALOG.by_repo(repo)
    assert model is not None
    files = tuple(RemoteFile(f"{quant}/x-{i:05d}-of-{parts:05d}.gguf", total // parts, "0" * 64, None)
                  for i in range(1, parts + 1))
    return CatalogOption(model, quant, "c0ffee", files)


def machine(vram_gib: float | None, ram_gib: float) -> Machine:
    gpus = () if vram_gib is None else (GpuBudget("GPU", int(vram_gib * GiB), int(vram_gib * GiB), 1000.0),)
    return Machine(gpus, int(ram_gib * GiB), 60.0)


R1_IQ1 = option("unsloth/DeepSeek-R1-GGUF", "UD-IQ1_S", 131 * GiB, parts=3)
R1_Q4 = option("unsloth/DeepSeek-R1-GGUF", "Q4_K_M", 404 * GiB, parts=9)
QWEN7B = option("unsloth/DeepSeek-R1-Distill-Qwen-7B-GGUF", "Q4_K_M", int(4.7 * GB))
LLAMA70B = option("unsloth/DeepSeek-R1-Distill-Llama-70B-GGUF", "Q4_K_M", int(42.5 * GB))


def test_the_four_verdicts() -> None:
    assert fit_verdict(QWEN7B, machine(24, 32)).text == "Runs on your GPU"
    big_box = fit_verdict(R1_IQ1, machine(24, 256))
    assert big_box.text.startswith("GPU + experts in RAM (~") and big_box.text.endswith(" tok/s)")
    laptop = fit_verdict(QWEN7B, machine(None, 16))
    assert laptop.text.startswith("CPU only (~")
    too_big = fit_verdict(R1_Q4, machine(24, 64))
    assert too_big.text.startswith("Too large for this machine (needs ")
    assert too_big.text.endswith(" GB RAM+VRAM)")


def test_dense_distill_split_between_gpu_and_cpu_says_so() -> None:
    assert fit_verdict(LLAMA70B, machine(24, 64)).text.startswith("GPU + CPU (~")


def test_ranking_prefers_what_runs_well_then_capability() -> None:
    box = machine(24, 256)
    ranked = sorted([QWEN7B, LLAMA70B, R1_IQ1, R1_Q4], key=lambda o: fit_verdict(o, box).rank)
    # The 671B at 1.58 bits runs usably here and is the most capable: recommended first.
    assert ranked[0] is R1_IQ1
    laptop = machine(None, 16)
    ranked = sorted([QWEN7B, LLAMA70B, R1_IQ1], key=lambda o: fit_verdict(o, laptop).rank)
    assert ranked[0] is QWEN7B and ranked[-1] is R1_IQ1


def test_no_files_no_verdict() -> None:
    empty = CatalogOption(CATALOG.models[0], "Q4_K_M", None, ())
    assert fit_verdict(empty, machine(24, 64)) is None
