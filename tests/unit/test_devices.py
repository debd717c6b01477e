"""Device probing: what ggml reports on whatever machine runs the tests (a GPU or none)."""

from __future__ import annotations

from backend.engine import devices
from backend.engine.devices import GpuDevice
from backend.engine.offload import PlanVerdict, plan_offload
from backend.gguf.shapes import deepseek_v3_layout


def test_the_probe_reports_real_devices_and_memory() -> None:
    info = devices.probe()
    if not info.gpu_offload_supported:  # a CPU build sees no GPU, whatever the machine has
        assert info.gpus == ()
    assert all(0 <= g.free_bytes <= g.total_bytes and g.total_bytes > 0 for g in info.gpus)
    assert 0 < info.ram_available <= info.ram_total
    assert 1 <= info.cpu_cores <= info.cpu_threads
    machine = info.machine()
    assert len(machine.gpus) == len(info.gpus) and machine.ram_available == info.ram_available
    assert machine.ram_bandwidth_gbs >= 25


def test_this_machine_gets_a_plan_that_matches_its_devices() -> None:
    machine = devices.probe().machine()
    plan = plan_offload(deepseek_v3_layout("UD-IQ1_S"), machine)
    if not machine.gpus:
        assert plan.verdict in (PlanVerdict.CPU_ONLY, PlanVerdict.EXCEEDS_MEMORY)
        assert plan.n_gpu_layers == 0
    else:
        assert plan.n_gpu_layers > 0 or plan.verdict is PlanVerdict.EXCEEDS_MEMORY


def test_known_gpus_get_their_bandwidth() -> None:
    def card(description: str) -> GpuDevice:
        return GpuDevice(0, "CUDA0", description, 1, 1, integrated=False)

    assert card("NVIDIA H100 80GB HBM3").bandwidth_gbs == 3350
    assert card("NVIDIA H100 PCIe").bandwidth_gbs == 2000
    assert card("NVIDIA GeForce RTX 4090").bandwidth_gbs == 1008
    assert card("Mystery Accelerator 9000").bandwidth_gbs == 400


def test_ram_bandwidth_measurement_is_plausible() -> None:
    # A loaded machine measures low; the figure must still be a real, finite bandwidth.
    assert 0.01 < devices.measure_ram_bandwidth(seconds=0.05) < 2000
