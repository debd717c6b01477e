"""llama.cpp's RPC backend: whether the bundled build has it, and the devices of RPC workers.

A llama.cpp built with `-DGGML_RPC=on` can place layers on other machines that run its
`rpc-server`; each worker shows up as one more device to offload to. Found with ctypes on the
bundled libraries (no `llama_cpp` import), so Settings can hide the option when it can't work.
"""

from __future__ import annotations

import ctypes
import functools
import re
from collections.abc import Callable, Sequence
from typing import Any

from backend.engine import libraries
from backend.errors import InvalidOptionError
from backend.i18n import translate

# Newer ggml: one call per worker, returning a backend registry of its devices. Older ggml:
# one device per worker.
_ADD_SERVER = "ggml_backend_rpc_add_server"
_ADD_DEVICE = "ggml_backend_rpc_add_device"
_LIBS = ("ggml-rpc", "ggml", "ggml-base")
_GPU = 1  # ggml_backend_dev_type: CPU 0, GPU 1, IGPU 2, ACCEL 3
_ENDPOINT = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$")
DEFAULT_PORT = 50052  # rpc-server's default


def _symbol(name: str) -> Any:
    """A ctypes function from the bundled ggml libraries, or None."""
    for stem in _LIBS:
        lib = libraries.load(stem)
        if lib is not None and hasattr(lib, name):
            return getattr(lib, name)
    return None


@functools.cache
def _add_function() -> tuple[str, Callable[[bytes], int | None]] | None:
    """The RPC entry point this build has, by name: linked in, or from the backend registry."""
    for name in (_ADD_SERVER, _ADD_DEVICE):
        fn = _symbol(name)
        if fn is not None:
            fn.argtypes = [ctypes.c_char_p]
            fn.restype = ctypes.c_void_p
            return name, fn
    by_name = _symbol("ggml_backend_reg_by_name")
    proc = _symbol("ggml_backend_reg_get_proc_address")
    if by_name is None or proc is None:
        return None
    by_name.argtypes, by_name.restype = [ctypes.c_char_p], ctypes.c_void_p
    proc.argtypes, proc.restype = [ctypes.c_void_p, ctypes.c_char_p], ctypes.c_void_p
    reg = by_name(b"RPC")
    if not reg:
        return None
    for name in (_ADD_SERVER, _ADD_DEVICE):
        address = proc(reg, name.encode())
        if address:
            return name, ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_char_p)(address)
    return None


def supported() -> bool:
    """Whether the installed llama.cpp was built with RPC (`-DGGML_RPC=on`)."""
    return _add_function() is not None


def parse_servers(text: str) -> tuple[str, ...]:
    """"host:port, host:port" (commas or spaces) → endpoints; raises `InvalidOptionError`."""
    servers = []
    for item in re.split(r"[,\s]+", text.strip()):
        if not item:
            continue
        match = _ENDPOINT.match(item)
        if match is None or not 0 < int(match.group(2)) < 65536:
            raise InvalidOptionError(translate(
                "Rpc", "'{item}' is not an RPC worker address: write host:port, e.g. "
                "192.168.1.20:{port}."
            ).format(item=item, port=DEFAULT_PORT))
        servers.append(item)
    return tuple(servers)


def device_list(servers: Sequence[str]) -> ctypes.Array[ctypes.c_void_p]:
    """A NULL-terminated `ggml_backend_dev_t` array for `llama_model_params.devices`: the
    workers' devices, then this machine's GPUs (llama.cpp's own order). Keep it alive as long
    as the model. Raises RuntimeError (turned into a load error by the engine)."""
    found = _add_function()
    if found is None:
        raise RuntimeError(
            translate("Rpc", "this llama.cpp was built without RPC support (-DGGML_RPC=on)"))
    name, add = found
    count, get = _symbol("ggml_backend_reg_dev_count"), _symbol("ggml_backend_reg_dev_get")
    dev_count, dev_get = _symbol("ggml_backend_dev_count"), _symbol("ggml_backend_dev_get")
    dev_type = _symbol("ggml_backend_dev_type")
    if None in (count, get, dev_count, dev_get, dev_type):
        raise RuntimeError(
            translate("Rpc", "the ggml device functions are missing from this llama.cpp"))
    assert count and get and dev_count and dev_get and dev_type
    count.argtypes, count.restype = [ctypes.c_void_p], ctypes.c_size_t
    get.argtypes, get.restype = [ctypes.c_void_p, ctypes.c_size_t], ctypes.c_void_p
    dev_count.argtypes, dev_count.restype = [], ctypes.c_size_t
    dev_get.argtypes, dev_get.restype = [ctypes.c_size_t], ctypes.c_void_p
    dev_type.argtypes, dev_type.restype = [ctypes.c_void_p], ctypes.c_int
    devices: list[int] = []
    for endpoint in servers:
        handle = add(endpoint.encode())
        if not handle:
            raise RuntimeError(translate(
                "Rpc", "could not reach the RPC worker {endpoint}; check that rpc-server runs "
                "there and the port is open"
            ).format(endpoint=endpoint))
        if name == _ADD_SERVER:  # a registry: one device per worker GPU
            devices += [get(handle, i) for i in range(count(handle))]
        else:
            devices.append(handle)
    devices += [d for i in range(dev_count()) if dev_type(d := dev_get(i)) == _GPU]
    return (ctypes.c_void_p * (len(devices) + 1))(*devices, None)
