"""The offload planner: where each tensor of a model goes, given this machine's memory.

DeepSeek-V3/R1 are Mixture-of-Experts models whose routed experts are ~95% of the bytes but
only 8 of 256 are read per token. The plan keeps everything else (attention, norms, router,
shared experts, dense layers, output, KV cache) on the GPU, then fills the VRAM that is left
with routed-expert tensors, from the last layer backwards; the first MoE layers' experts stay
in CPU RAM. When even the non-expert part does not fit, whole layers move to the CPU, as
llama.cpp's `n_gpu_layers` does. Pure arithmetic: llama.cpp's placement rules are mirrored here
(see `_placement`), so the plan can be shown, tested and tuned without loading anything.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum

from backend.gguf.layout import ModelLayout, TensorRole, TensorSpec
from backend.i18n import translate

GiB = 1 << 30
MiB = 1 << 20

# KV cache types llama.cpp accepts, in bytes per element.
KV_TYPE_BYTES = {
    "f32": 4.0, "f16": 2.0, "bf16": 2.0, "q8_0": 34 / 32, "q5_1": 24 / 32, "q5_0": 22 / 32,
    "q4_1": 20 / 32, "q4_0": 18 / 32, "iq4_nl": 18 / 32,
}

# Fraction of peak bandwidth that decoding achieves in practice.
_GPU_EFFICIENCY = 0.7
_CPU_EFFICIENCY = 0.6


class PlanVerdict(StrEnum):
    FITS_GPU = "fits_gpu"  # everything in VRAM
    EXPERTS_IN_RAM = "experts_in_ram"  # GPU + routed experts (or whole layers) in CPU RAM
    CPU_ONLY = "cpu_only"
    EXCEEDS_MEMORY = "exceeds_memory"  # larger than RAM + VRAM: pages from disk, slow


@dataclass(frozen=True, slots=True)
class GpuBudget:
    name: str
    free_bytes: int
    total_bytes: int
    bandwidth_gbs: float = 500.0
    unified: bool = False  # draws on system RAM (Apple Silicon, integrated GPUs)

    @property
    def margin(self) -> int:
        """VRAM left unplanned: drivers, fragmentation, other programs' growth."""
        return 512 * MiB + int(0.03 * self.total_bytes)

    @property
    def usable(self) -> int:
        return max(0, self.free_bytes - self.margin)


@dataclass(frozen=True, slots=True)
class Machine:
    gpus: tuple[GpuBudget, ...]
    ram_available: int
    ram_bandwidth_gbs: float = 40.0


@dataclass(frozen=True, slots=True)
class PlanOptions:
    n_ctx: int = 8192
    kv_type: str = "f16"
    # Manual override: the experts of the first N MoE layers stay in RAM; -1 means all of them.
    cpu_moe_layers: int | None = None
    flash_attn: bool = True
    n_ubatch: int = 512


@dataclass(frozen=True, slots=True)
class DeviceUse:
    name: str
    weights: int
    kv: int
    compute: int
    budget: int  # usable bytes: free memory minus the safety margin

    @property
    def total(self) -> int:
        return self.weights + self.kv + self.compute


@dataclass(frozen=True, slots=True)
class OffloadPlan:
    verdict: PlanVerdict
    n_gpu_layers: int
    overrides: tuple[str, ...]  # regexes: matching tensors stay in CPU RAM
    cpu_expert_tensors: tuple[str, ...]  # exactly the tensors the overrides match
    cpu_expert_layers: int  # MoE layers with some or all routed experts in RAM
    n_moe_layers: int
    n_layers: int  # trunk layers, for "N of M layers on the GPU"
    tensor_split: tuple[float, ...]
    op_offload: bool  # let the GPU run big-batch matmuls on CPU-held weights (costs staging VRAM)
    use_mmap: bool
    gpus: tuple[DeviceUse, ...]
    cpu: DeviceUse
    kv_bytes: int
    expected_tps: float
    n_ctx: int
    kv_type: str
    over_budget: bool = False  # only manual plans can be; the loader will likely run out of VRAM
    notes: tuple[str, ...] = field(default=())

    @property
    def gpu_bytes(self) -> int:
        return sum(g.total for g in self.gpus)

    @property
    def cpu_bytes(self) -> int:
        return self.cpu.total

    @property
    def vram_budget(self) -> int:
        return sum(g.budget for g in self.gpus)

    @property
    def gpu_layers_on_gpu(self) -> int:
        """Trunk layers held by the GPU (n_gpu_layers counts the output layer too)."""
        return max(0, min(self.n_gpu_layers - 1, self.n_layers)) if self.n_gpu_layers else 0

    def summary(self) -> str:
        """One line for the model header, e.g. 'GPU 22.1 GB · experts of 41 layers in RAM'."""
        gb = self.gpu_bytes / 1e9
        tps = self.expected_tps
        if 0 < tps < 100:
            speed = translate("Offload", "~{tps:.1f} tok/s").format(tps=tps)
        else:
            speed = translate("Offload", "~{tps:.0f} tok/s").format(tps=tps) if tps else ""
        if self.verdict is PlanVerdict.FITS_GPU:
            where = translate("Offload", "GPU {gb:.1f} GB · everything on the GPU").format(gb=gb)
        elif self.verdict is PlanVerdict.CPU_ONLY or not self.gpus or self.n_gpu_layers == 0:
            where = translate("Offload", "CPU only · RAM {gb:.1f} GB").format(
                gb=self.cpu_bytes / 1e9)
        elif self.gpu_layers_on_gpu < self.n_layers:
            where = translate(
                "Offload",
                "GPU {gb:.1f} GB · {on_gpu} of {layers} layers on the GPU · experts of "
                "{cpu_layers} layers in RAM",
            ).format(gb=gb, on_gpu=self.gpu_layers_on_gpu, layers=self.n_layers,
                     cpu_layers=self.cpu_expert_layers)
        else:
            where = translate(
                "Offload", "GPU {gb:.1f} GB · experts of {cpu_layers} layers in RAM"
            ).format(gb=gb, cpu_layers=self.cpu_expert_layers)
        if self.verdict is PlanVerdict.EXCEEDS_MEMORY:
            return translate(
                "Offload", "{placement} · larger than memory: reads from disk, very slow"
            ).format(placement=where)
        return f"{where} · {speed}" if speed else where


def kv_bytes_per_layer(layout: ModelLayout, n_ctx: int, kv_type: str) -> int:
    """KV bytes of one layer of an ordinary (uncompressed) cache; see `kv_layer_bytes`."""
    per_token = (layout.kv_k_elements + layout.kv_v_elements) * KV_TYPE_BYTES[kv_type]
    return int(n_ctx * per_token)


def _pad256(n: int) -> int:
    return -(-n // 256) * 256


def kv_layer_bytes(
    layout: ModelLayout, n_ctx: int, kv_type: str, n_ubatch: int = 512
) -> tuple[int, ...]:
    """The KV cache of each trunk layer at `n_ctx`, as llama.cpp allocates it.

    Most models cache every token in every layer. DeepSeek-V4 (llama.cpp's DSV4 cache, with
    the sliding window kept at its own size: the engine sets `swa_full` off) caches per layer
    the last `sliding_window + n_ubatch` tokens raw, then, by the layer's compress ratio, one
    entry per 4 tokens plus an indexer key (CSA) or one per 128 (HCA), plus a small f32
    compressor state: about 6.9 KB a token for V4-Flash at f16, not 51 KB.
    """
    if not layout.compress_ratios:
        return (kv_bytes_per_layer(layout, n_ctx, kv_type),) * layout.n_layer
    size = KV_TYPE_BYTES[kv_type]
    n_ctx = _pad256(n_ctx)
    head, indexer = layout.kv_k_elements, layout.indexer_key_length
    raw = _pad256(min(n_ctx, layout.sliding_window + n_ubatch)) * head * size
    per_layer = []
    for i in range(layout.n_layer):
        ratio = layout.compress_ratios[i] if i < len(layout.compress_ratios) else 0
        total = raw
        if ratio == 4:
            cells = _pad256(math.ceil(n_ctx / 4))
            total += cells * (head + indexer) * size + 8 * 2 * (head + indexer) * 2 * 4
        elif ratio:
            cells = _pad256(math.ceil(n_ctx / ratio))
            total += cells * head * size + ratio * head * 2 * 4
        per_layer.append(int(total))
    return tuple(per_layer)


def compute_buffer_bytes(layout: ModelLayout, options: PlanOptions, *, with_output: bool) -> int:
    """llama.cpp's compute buffer for one device: activations of one micro-batch.

    An estimate from the graph's largest tensors; the safety margin absorbs its error.
    """
    ub = options.n_ubatch
    head_k = layout.kv_k_elements // max(layout.n_head_kv, 1)
    act = ub * 4 * (8 * layout.n_embd * layout.hyper_connections + 3 * layout.n_head * head_k)
    ffn = ub * 4 * 3 * max(layout.n_ff, layout.n_expert_used * layout.n_ff_exp)
    if options.flash_attn:
        attn = ub * layout.n_head * 4 * 256
    else:
        attn = 2 * ub * options.n_ctx * layout.n_head * 4
    logits = ub * layout.n_vocab * 4 if with_output else 0
    return 64 * MiB + act + ffn + attn + logits


def plan_offload(
    layout: ModelLayout, machine: Machine, options: PlanOptions = PlanOptions()
) -> OffloadPlan:
    """The best placement of `layout` on `machine` (or the manual one `options` asks for)."""
    if options.kv_type not in KV_TYPE_BYTES:
        raise ValueError(f"unknown KV cache type {options.kv_type!r}")
    # A GPU that can hold only a sliver of the model is not worth the transfers.
    useful = min(256 * MiB, layout.total_bytes // 10)
    gpus = tuple(g for g in machine.gpus if g.usable > useful)
    experts = _experts_in_fill_order(layout)
    all_layers = layout.n_layer_all + 1
    if not gpus:
        return _Evaluator(layout, machine, (), options).plan(0, frozenset(), op_offload=False)
    ev = _Evaluator(layout, machine, gpus, options)

    if options.cpu_moe_layers is not None:
        moe = layout.moe_layers
        n = len(moe) if options.cpu_moe_layers < 0 else min(options.cpu_moe_layers, len(moe))
        keep = set(moe[:n])
        cpu = frozenset(t.name for t in experts if t.layer in keep)
        fits_staged = ev.fits(all_layers, cpu, op_offload=True)
        return ev.plan(all_layers, cpu, op_offload=bool(cpu) and fits_staged, manual=True)

    if ev.fits(all_layers, frozenset(), op_offload=False):
        return ev.plan(all_layers, frozenset(), op_offload=False)

    everything = frozenset(t.name for t in experts)
    for n_gpu_layers in range(all_layers, 0, -1):
        for op_offload in (True, False):
            if ev.fits(n_gpu_layers, everything, op_offload=op_offload):
                cpu = ev.fill(n_gpu_layers, everything, experts, op_offload=op_offload)
                return ev.plan(n_gpu_layers, cpu, op_offload=op_offload)
    return ev.plan(0, frozenset(), op_offload=False)


def _experts_in_fill_order(layout: ModelLayout) -> list[TensorSpec]:
    """Routed-expert tensors, last layer first: the GPU takes them in this order."""
    experts = [t for t in layout.tensors if t.role is TensorRole.EXPERTS]
    return sorted(experts, key=lambda t: (-(t.layer or 0), t.name))


def _tensor_split(gpus: tuple[GpuBudget, ...]) -> tuple[float, ...]:
    total = sum(g.usable for g in gpus)
    return tuple(g.usable / total for g in gpus) if total else ()


class _Evaluator:
    """Memory per device for a candidate placement, following llama.cpp's own rules."""

    def __init__(
        self, layout: ModelLayout, machine: Machine, gpus: tuple[GpuBudget, ...],
        options: PlanOptions,
    ) -> None:
        self.layout = layout
        self.machine = machine
        self.gpus = gpus
        self.options = options
        self.split = _tensor_split(gpus)
        self.kv_layers = kv_layer_bytes(layout, options.n_ctx, options.kv_type, options.n_ubatch)

    # -- placement ---------------------------------------------------------------------------

    def device_of_layer(self, virtual_layer: int, n_gpu_layers: int) -> int | None:
        """GPU index for a layer (n_layer_all = the output layer), or None for the CPU.

        Mirrors llama_model::load_tensors: the last `n_gpu_layers` virtual layers go to the
        GPUs, divided by the cumulative tensor split.
        """
        if not self.gpus:
            return None
        n_all = self.layout.n_layer_all
        start = max(n_all + 1 - n_gpu_layers, 0)
        active = min(n_gpu_layers, n_all + 1)
        if virtual_layer < start or virtual_layer - start >= active:
            return None
        cumulative = [sum(self.split[: i + 1]) for i in range(len(self.split))]
        index = bisect.bisect_right(cumulative, (virtual_layer - start) / active)
        return min(index, len(self.gpus) - 1)

    def device_of(self, tensor: TensorSpec, n_gpu_layers: int, cpu: frozenset[str]) -> int | None:
        if tensor.role is TensorRole.INPUT or tensor.name in cpu:
            return None
        if tensor.role is TensorRole.OUTPUT:
            return self.device_of_layer(self.layout.n_layer_all, n_gpu_layers)
        return self.device_of_layer(tensor.layer or 0, n_gpu_layers)

    # -- accounting --------------------------------------------------------------------------

    def usage(
        self, n_gpu_layers: int, cpu: frozenset[str], op_offload: bool
    ) -> tuple[list[DeviceUse], DeviceUse, dict[int, int]]:
        """Per-GPU and CPU use, plus the CPU-held weight bytes of each layer."""
        weights = [0] * len(self.gpus)
        kv = [0] * len(self.gpus)
        cpu_weights = cpu_kv = 0
        cpu_layer_bytes: dict[int, int] = defaultdict(int)
        for t in self.layout.tensors:
            if t.role is TensorRole.SKIPPED:
                continue
            device = self.device_of(t, n_gpu_layers, cpu)
            if device is None:
                cpu_weights += t.n_bytes
                if t.layer is not None:
                    cpu_layer_bytes[t.layer] += t.n_bytes
            else:
                weights[device] += t.n_bytes
        for layer, layer_kv in enumerate(self.kv_layers):
            device = self.device_of_layer(layer, n_gpu_layers)
            if device is None:
                cpu_kv += layer_kv
            else:
                kv[device] += layer_kv
        output_device = self.device_of_layer(self.layout.n_layer_all, n_gpu_layers)
        compute = [
            compute_buffer_bytes(self.layout, self.options, with_output=output_device == i)
            if weights[i] or kv[i] else 0
            for i in range(len(self.gpus))
        ]
        if op_offload and self.gpus:
            compute[0] += self.staging(cpu_layer_bytes)
        cpu_compute = compute_buffer_bytes(
            self.layout, self.options, with_output=output_device is None
        )
        gpu_uses = [
            DeviceUse(g.name, weights[i], kv[i], compute[i], g.usable)
            for i, g in enumerate(self.gpus)
        ]
        cpu_use = DeviceUse("CPU", cpu_weights, cpu_kv, cpu_compute, self.ram_budget(gpu_uses))
        return gpu_uses, cpu_use, cpu_layer_bytes

    @staticmethod
    def staging(cpu_layer_bytes: dict[int, int]) -> int:
        """VRAM that op offload needs: big-batch matmuls on CPU-held weights run on the first
        GPU, which copies one layer's worth of those weights over at a time."""
        return max(cpu_layer_bytes.values(), default=0)

    def ram_budget(self, gpu_uses: list[DeviceUse]) -> int:
        unified = sum(u.total for u, g in zip(gpu_uses, self.gpus, strict=True) if g.unified)
        return max(0, self.machine.ram_available - unified)

    def fits(self, n_gpu_layers: int, cpu: frozenset[str], op_offload: bool) -> bool:
        gpu_uses, _, _ = self.usage(n_gpu_layers, cpu, op_offload)
        return all(u.total <= u.budget for u in gpu_uses)

    def fill(
        self, n_gpu_layers: int, cpu: frozenset[str], experts: list[TensorSpec], op_offload: bool
    ) -> frozenset[str]:
        """Move expert tensors from RAM to VRAM, last layer first, while they fit."""
        gpu_uses, _, layer_cpu = self.usage(n_gpu_layers, cpu, op_offload)
        room = [u.budget - u.total for u in gpu_uses]
        staging = self.staging(layer_cpu) if op_offload else 0
        remaining = set(cpu)
        for t in experts:
            device = self.device_of_layer(t.layer or 0, n_gpu_layers)
            if device is None or t.name not in remaining:
                continue
            layer_cpu[t.layer or 0] -= t.n_bytes
            new_staging = self.staging(layer_cpu) if op_offload else 0
            shrink = staging - new_staging  # staging (on GPU 0) only ever shrinks
            if t.n_bytes - (shrink if device == 0 else 0) <= room[device]:
                room[device] -= t.n_bytes
                room[0] += shrink
                staging = new_staging
                remaining.discard(t.name)
            else:
                layer_cpu[t.layer or 0] += t.n_bytes
        return frozenset(remaining)

    # -- the result --------------------------------------------------------------------------

    def plan(
        self, n_gpu_layers: int, cpu: frozenset[str], *, op_offload: bool, manual: bool = False
    ) -> OffloadPlan:
        layout = self.layout
        # Experts of layers that are on the CPU anyway need no override.
        cpu = frozenset(
            t.name for t in layout.tensors
            if t.name in cpu and self.device_of_layer(t.layer or 0, n_gpu_layers) is not None
        )
        gpu_uses, cpu_use, _ = self.usage(n_gpu_layers, cpu, op_offload)
        over = any(u.total > u.budget for u in gpu_uses)
        exceeds = cpu_use.total > cpu_use.budget
        if exceeds:
            verdict = PlanVerdict.EXCEEDS_MEMORY
        elif n_gpu_layers == 0 or not gpu_uses:
            verdict = PlanVerdict.CPU_ONLY
        elif not cpu and n_gpu_layers >= layout.n_layer_all + 1:
            verdict = PlanVerdict.FITS_GPU
        else:
            verdict = PlanVerdict.EXPERTS_IN_RAM
        cpu_layers = {
            t.layer for t in layout.tensors
            if t.role is TensorRole.EXPERTS and self.device_of(t, n_gpu_layers, cpu) is None
        }
        notes = []
        if over:
            need = sum(u.total for u in gpu_uses) / 1e9
            have = sum(u.budget for u in gpu_uses) / 1e9
            notes.append(translate(
                "Offload",
                "This plan needs {need:.1f} GB of VRAM but about {have:.1f} GB can be "
                "used: loading will likely fail. Keep more layers' experts in RAM.",
            ).format(need=need, have=have))
        return OffloadPlan(
            verdict=verdict,
            n_gpu_layers=n_gpu_layers,
            overrides=_override_patterns(layout, cpu),
            cpu_expert_tensors=tuple(sorted(cpu, key=_natural)),
            cpu_expert_layers=len(cpu_layers),
            n_moe_layers=len(layout.moe_layers),
            n_layers=layout.n_layer,
            tensor_split=self.split if len(self.gpus) > 1 else (),
            op_offload=op_offload,
            # Overrides run faster without mmap (weights get repacked for the CPU), but only
            # mmap lets a model larger than RAM page in from disk.
            use_mmap=exceeds or not cpu,
            gpus=tuple(gpu_uses),
            cpu=cpu_use,
            kv_bytes=sum(self.kv_layers),
            expected_tps=0.0 if exceeds else self.tokens_per_second(n_gpu_layers, cpu),
            n_ctx=self.options.n_ctx,
            kv_type=self.options.kv_type,
            over_budget=manual and over,
            notes=tuple(notes),
        )

    def tokens_per_second(self, n_gpu_layers: int, cpu: frozenset[str]) -> float:
        """Decode speed bound by memory bandwidth: each token reads the active weights once."""
        layout = self.layout
        gpu_seconds = [0.0] * len(self.gpus)
        cpu_seconds = 0.0
        used_fraction = layout.n_expert_used / layout.n_expert if layout.n_expert else 1.0
        # KV read per token at a typical fill of the context.
        fill = min(0.5, 2048 / max(self.options.n_ctx, 1))
        for t in layout.tensors:
            if t.role is TensorRole.SKIPPED:
                continue
            active = t.n_bytes * (used_fraction if t.role is TensorRole.EXPERTS else 1.0)
            if t.role is TensorRole.INPUT:
                active = t.n_bytes / max(layout.n_vocab, 1)  # one embedding row
            device = self.device_of(t, n_gpu_layers, cpu)
            if device is None:
                cpu_seconds += active / (self.machine.ram_bandwidth_gbs * 1e9 * _CPU_EFFICIENCY)
            else:
                bw = self.gpus[device].bandwidth_gbs * 1e9 * _GPU_EFFICIENCY
                gpu_seconds[device] += active / bw
        for layer, layer_kv in enumerate(self.kv_layers):
            kv_read = layer_kv * fill
            device = self.device_of_layer(layer, n_gpu_layers)
            if device is None:
                cpu_seconds += kv_read / (self.machine.ram_bandwidth_gbs * 1e9 * _CPU_EFFICIENCY)
            else:
                gpu_seconds[device] += kv_read / (self.gpus[device].bandwidth_gbs * 1e9 * _GPU_EFFICIENCY)
        total = sum(gpu_seconds) + cpu_seconds
        return 1.0 / total if total > 0 else 0.0


def _natural(name: str) -> tuple[int, str]:
    parts = name.split(".")
    return (int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else -1, name)


def _override_patterns(layout: ModelLayout, cpu: frozenset[str]) -> tuple[str, ...]:
    """Compact regexes matching exactly the tensors in `cpu` (llama.cpp uses regex_search)."""
    kinds_by_layer: dict[int, set[str]] = defaultdict(set)
    for t in layout.tensors:
        if t.name in cpu and t.layer is not None:
            kind = t.name.split(".")[2]  # e.g. ffn_up_exps
            kinds_by_layer[t.layer].add(kind)
    groups: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for layer, kinds in sorted(kinds_by_layer.items()):
        groups[tuple(sorted(kinds))].append(layer)
    patterns = []
    for kind_names, layers in groups.items():
        layer_alt = "|".join(str(i) for i in layers)
        kind_alt = "|".join(kind_names)
        patterns.append(rf"^blk\.({layer_alt})\.({kind_alt})\.")
    return tuple(patterns)
