"""The machine's compute devices: the GPUs ggml sees (with free memory), RAM and CPU cores.

GPUs come from ggml itself (ctypes on llama-cpp-python's bundled libraries), so the list is
exactly what llama.cpp will use: a CPU-only build reports none, a CUDA build its CUDA devices.
"""

from __future__ import annotations

import ctypes
import os
import platform
import re
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from backend.engine import libraries
from backend.engine.offload import GpuBudget, Machine

# ggml_backend_dev_type
_DEV_CPU, _DEV_GPU, _DEV_IGPU = 0, 1, 2

# Peak memory bandwidth (GB/s) of common GPUs, for the decode-speed estimate. First match wins.
_GPU_BANDWIDTH = [
    ("H200", 4800), ("H100 PCIe", 2000), ("H100", 3350), ("H800", 3350), ("GH200", 4000),
    ("B200", 8000), ("A100-SXM4-80GB", 2039), ("A100 80GB", 1935), ("A100", 1555),
    ("A800", 2039), ("L40S", 864), ("L40", 864), ("L4", 300), ("A6000", 768),
    ("RTX 6000 Ada", 960), ("RTX PRO 6000", 1792), ("A10", 600), ("V100", 900), ("T4", 320),
    ("RTX 5090", 1792), ("RTX 5080", 960), ("RTX 5070 Ti", 896), ("RTX 5070", 672),
    ("RTX 4090", 1008), ("RTX 4080", 717), ("RTX 4070 Ti", 504), ("RTX 4070", 504),
    ("RTX 4060 Ti", 288), ("RTX 4060", 272), ("RTX 3090", 936), ("RTX 3080", 760),
    ("RTX 3070", 448), ("RTX 3060", 360), ("MI300X", 5300), ("MI250", 3277),
    ("RX 7900 XTX", 960), ("RX 7900", 800), ("M4 Max", 546), ("M3 Ultra", 819),
    ("M2 Ultra", 800), ("M1 Ultra", 800), ("M4 Pro", 273), ("M3 Max", 400), ("M2 Max", 400),
    ("M1 Max", 400), ("Apple", 200),
]
_DEFAULT_GPU_BANDWIDTH = 400.0


@dataclass(frozen=True, slots=True)
class GpuDevice:
    index: int
    name: str  # ggml's device name, e.g. "CUDA0"
    description: str  # e.g. "NVIDIA GeForce RTX 4090"
    free_bytes: int
    total_bytes: int
    integrated: bool  # shares system RAM

    @property
    def bandwidth_gbs(self) -> float:
        for needle, gbs in _GPU_BANDWIDTH:
            if needle.lower() in self.description.lower():
                return float(gbs)
        return _DEFAULT_GPU_BANDWIDTH


@dataclass(frozen=True, slots=True)
class SystemInfo:
    gpus: tuple[GpuDevice, ...]
    ram_total: int
    ram_available: int
    cpu_cores: int  # physical cores: llama.cpp's best thread count
    cpu_threads: int
    cpu_name: str
    gpu_offload_supported: bool  # this llama.cpp build has a GPU backend

    def machine(self, ram_bandwidth_gbs: float | None = None) -> Machine:
        """The planner's view of this machine."""
        gpus = tuple(
            GpuBudget(g.description or g.name, g.free_bytes, g.total_bytes, g.bandwidth_gbs,
                      unified=g.integrated or g.name.startswith("Metal"))
            for g in self.gpus
        )
        bandwidth = ram_bandwidth_gbs or default_ram_bandwidth(self.cpu_cores)
        return Machine(gpus, self.ram_available, bandwidth)


def list_gpus() -> list[GpuDevice]:
    """GPUs as ggml sees them, with their free memory right now. Empty on CPU-only builds."""
    ggml = libraries.load("ggml")
    base = libraries.load("ggml-base")
    if ggml is None or base is None:
        return []
    ggml.ggml_backend_dev_count.restype = ctypes.c_size_t
    ggml.ggml_backend_dev_get.argtypes = [ctypes.c_size_t]
    ggml.ggml_backend_dev_get.restype = ctypes.c_void_p
    base.ggml_backend_dev_type.argtypes = [ctypes.c_void_p]
    base.ggml_backend_dev_type.restype = ctypes.c_int
    base.ggml_backend_dev_name.argtypes = [ctypes.c_void_p]
    base.ggml_backend_dev_name.restype = ctypes.c_char_p
    base.ggml_backend_dev_description.argtypes = [ctypes.c_void_p]
    base.ggml_backend_dev_description.restype = ctypes.c_char_p
    base.ggml_backend_dev_memory.argtypes = [
        ctypes.c_void_p, ctypes.POINTER(ctypes.c_size_t), ctypes.POINTER(ctypes.c_size_t)
    ]
    base.ggml_backend_dev_memory.restype = None
    gpus: list[GpuDevice] = []
    for i in range(ggml.ggml_backend_dev_count()):
        dev = ggml.ggml_backend_dev_get(i)
        kind = base.ggml_backend_dev_type(dev)
        if kind not in (_DEV_GPU, _DEV_IGPU):
            continue
        free, total = ctypes.c_size_t(0), ctypes.c_size_t(0)
        base.ggml_backend_dev_memory(dev, ctypes.byref(free), ctypes.byref(total))
        gpus.append(GpuDevice(
            index=len(gpus),
            name=(base.ggml_backend_dev_name(dev) or b"").decode(errors="replace"),
            description=(base.ggml_backend_dev_description(dev) or b"").decode(errors="replace"),
            free_bytes=free.value,
            total_bytes=total.value,
            integrated=kind == _DEV_IGPU,
        ))
    return gpus


def system_memory() -> tuple[int, int]:
    """(total, available) RAM in bytes. Available counts reclaimable page cache as free."""
    if sys.platform.startswith("linux"):
        info = _read_meminfo()
        total = info.get("MemTotal", 0)
        return total, info.get("MemAvailable", info.get("MemFree", total))
    if sys.platform == "win32":
        return _windows_memory()
    if sys.platform == "darwin":
        return _mac_memory()
    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return pages, pages // 2


def _read_meminfo() -> dict[str, int]:
    values = {}
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            key, _, rest = line.partition(":")
            number = rest.split()
            if number and number[0].isdigit():
                values[key] = int(number[0]) * 1024
    except OSError:
        pass
    # Inside a container the cgroup limit is the real ceiling.
    for limit_file in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            raw = Path(limit_file).read_text().strip()
        except OSError:
            continue
        if raw.isdigit() and int(raw) < values.get("MemTotal", 1 << 62):
            limit = int(raw)
            values["MemTotal"] = limit
            values["MemAvailable"] = min(values.get("MemAvailable", limit), limit)
    return values


def _windows_memory() -> tuple[int, int]:
    class MemoryStatus(ctypes.Structure):
        _fields_ = [("dwLength", ctypes.c_ulong), ("dwMemoryLoad", ctypes.c_ulong),
                    ("ullTotalPhys", ctypes.c_ulonglong), ("ullAvailPhys", ctypes.c_ulonglong),
                    ("ullTotalPageFile", ctypes.c_ulonglong), ("ullAvailPageFile", ctypes.c_ulonglong),
                    ("ullTotalVirtual", ctypes.c_ulonglong), ("ullAvailVirtual", ctypes.c_ulonglong),
                    ("ullAvailExtendedVirtual", ctypes.c_ulonglong)]

    status = MemoryStatus()
    status.dwLength = ctypes.sizeof(MemoryStatus)
    ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status))  # type: ignore[attr-defined]
    return status.ullTotalPhys, status.ullAvailPhys


def _mac_memory() -> tuple[int, int]:
    import subprocess

    total = int(subprocess.run(["sysctl", "-n", "hw.memsize"], capture_output=True,
                               text=True, check=False).stdout.strip() or 0)
    out = subprocess.run(["vm_stat"], capture_output=True, text=True, check=False).stdout
    page = int(re.search(r"page size of (\d+)", out).group(1)) if "page size of" in out else 16384  # type: ignore[union-attr]
    free_pages = sum(
        int(m.group(1)) for key in ("Pages free", "Pages inactive", "Pages speculative",
                                    "Pages purgeable")
        if (m := re.search(rf"{key}:\s+(\d+)", out))
    )
    return total, free_pages * page


def cpu_cores() -> tuple[int, int, str]:
    """(physical cores, hardware threads, CPU model name)."""
    threads = os.cpu_count() or 1
    name = platform.processor() or platform.machine()
    physical = 0
    try:
        text = Path("/proc/cpuinfo").read_text()
        cores = set()
        physical_id = core_id = ""
        for line in text.splitlines():
            key, _, value = (part.strip() for part in line.partition(":"))
            if key == "model name" and name in (platform.processor(), platform.machine(), ""):
                name = value
            elif key == "physical id":
                physical_id = value
            elif key == "core id":
                core_id = value
            elif not line.strip() and core_id:
                cores.add((physical_id, core_id))
                core_id = ""
        if core_id:
            cores.add((physical_id, core_id))
        physical = len(cores)
    except OSError:
        pass
    if hasattr(os, "sched_getaffinity"):
        threads = min(threads, len(os.sched_getaffinity(0)))
    if not physical or physical > threads:
        physical = max(1, threads // 2) if threads > 4 else threads
    return physical, threads, name


def default_ram_bandwidth(physical_cores: int) -> float:
    """A typical desktop/server RAM bandwidth in GB/s, scaled loosely with core count."""
    if sys.platform == "darwin" and platform.machine() == "arm64":
        return 200.0  # Apple Silicon unified memory
    return float(min(400, max(25, 8 * physical_cores)))


def measure_ram_bandwidth(seconds: float = 0.25) -> float:
    """Copy bandwidth (GB/s, read + write) measured with a few threads; takes ~`seconds`."""
    import numpy as np

    n_threads = min(4, cpu_cores()[0])
    size = 64 * 1024 * 1024
    arrays = [(np.ones(size // 8), np.empty(size // 8)) for _ in range(n_threads)]
    copied = [0] * n_threads
    deadline = time.perf_counter() + seconds

    def work(i: int) -> None:
        src, dst = arrays[i]
        while time.perf_counter() < deadline:
            np.copyto(dst, src)
            copied[i] += 2 * size

    start = time.perf_counter()
    threads = [threading.Thread(target=work, args=(i,)) for i in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(copied) / (time.perf_counter() - start) / 1e9


def gpu_offload_supported() -> bool:
    """Whether this llama.cpp build has any GPU backend (CUDA, Metal, Vulkan, ...)."""
    llama = libraries.load("llama")
    if llama is None:
        return False
    llama.llama_supports_gpu_offload.restype = ctypes.c_bool
    return bool(llama.llama_supports_gpu_offload())


def probe() -> SystemInfo:
    total, available = system_memory()
    physical, threads, name = cpu_cores()
    return SystemInfo(
        gpus=tuple(list_gpus()),
        ram_total=total,
        ram_available=available,
        cpu_cores=physical,
        cpu_threads=threads,
        cpu_name=name,
        gpu_offload_supported=gpu_offload_supported(),
    )
