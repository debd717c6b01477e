"""Device probing on this (CPU-only) build of llama.cpp."""

from __future__ import annotations

from backend import devices
from backend.deepseek_shapes import deepseek_v3_layout
from backend.devices import GpuDevice
from backend.offload import Verdict, plan_offload


def test_cpu_only_build_reports_no_gpu_and_real_memory() -> None:
    info = devices.probe()
    assert info.gpus == ()
    assert info.gpu_offload_supported is False
    assert 0 < info.ram_available <= info.ram_total
    assert 1 <= info.cpu_cores <= info.cpu_threads
    machine = info.machine()
    assert machine.gpus == () and machine.ram_available == info.ram_available
    assert machine.ram_bandwidth_gbs >= 25


def test_this_machine_plans_cpu_only_or_exceeds_memory() -> None:
    plan = plan_offload(deepseek_v3_layout("UD-IQ1_S"), devices.probe().machine())
    assert plan.verdict in (Verdict.CPU_ONLY, Verdict.EXCEEDS_MEMORY)
    assert plan.n_gpu_layers == 0


def test_known_gpus_get_their_bandwidth() -> None:
    def card(description: str) -> GpuDevice:
        return GpuDevice(0, "CUDA0", description, 1, 1, integrated=False)

    assert card("NVIDIA H100 80GB HBM3").bandwidth_gbs == 3350
    assert card("NVIDIA H100 PCIe").bandwidth_gbs == 2000
    assert card("NVIDIA GeForce RTX 4090").bandwidth_gbs == 1008
    assert card("Mystery Accelerator 9000").bandwidth_gbs == 400


def test_ram_bandwidth_measurement_is_plausible() -> None:
    assert 0.5 < devices.measure_ram_bandwidth(seconds=0.05) < 2000
