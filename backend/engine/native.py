"""The one module that touches llama-cpp-python: llama.cpp's C API through its ctypes bindings.

We use the C API rather than `llama_cpp.Llama` because the app needs what that class cannot
give: tensor buffer-type overrides (MoE expert offload), a cancellable load, an abortable
prompt evaluation, think tags shown whatever their token type, and a token loop with no
per-token work over the vocabulary. Imported lazily, when a model is first loaded.
"""

from __future__ import annotations

import collections
import ctypes
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import llama_cpp as C

from backend.chat.messages import Sampling
from backend.engine import libraries
from backend.i18n import translate

log = logging.getLogger("llama.cpp")
# llama.cpp's errors are turned into AppErrors; without this, Python's last-resort handler would
# also print them to stderr when the app has not configured logging (the CLI).
log.addHandler(logging.NullHandler())

_LEVELS = {1: logging.DEBUG, 2: logging.INFO, 3: logging.WARNING, 4: logging.ERROR}
_CONT = 5
_THINK_TAGS = (b"<think>", b"</think>")
# Tool-call markers: shown whatever their token type, so `backend.chat.tool_calls` can take the
# markup out of the answer instead of it arriving as bare JSON.
_TOOL_MARKERS = ("｜DSML｜".encode(), "<｜tool▁".encode())
KV_TYPES = {"f32": 0, "f16": 1, "q4_0": 2, "q4_1": 3, "q5_0": 6, "q5_1": 7, "q8_0": 8,
            "iq4_nl": 20, "bf16": 30}


class _LogRouter:
    """llama.cpp's log, as whole lines: to Python logging, a recent-lines buffer, and taps.

    llama.cpp writes lines in pieces (level CONT continues the previous one), from whatever
    thread calls it; the lock keeps pieces of concurrent lines apart.
    """

    def __init__(self) -> None:
        self.recent: collections.deque[str] = collections.deque(maxlen=400)
        self.taps: list[Callable[[int, str], None]] = []
        self._pending = ""
        self._level = logging.INFO
        self._lock = threading.Lock()
        self.callback = C.llama_log_callback(self._on_log)

    def _on_log(self, level: int, text: bytes | None, _user: object) -> None:
        chunk = (text or b"").decode("utf-8", errors="replace")
        with self._lock:
            if level != _CONT:
                self._level = _LEVELS.get(level, logging.INFO)
            self._pending += chunk
            if "\n" not in self._pending:
                return
            *lines, self._pending = self._pending.split("\n")
            level_now = self._level
        for line in lines:
            if not line:
                continue
            self.recent.append(line)
            for tap in list(self.taps):
                tap(level_now, line)
            if log.isEnabledFor(level_now):
                log.log(level_now, "%s", line)

    def last_error(self) -> str:
        """The most telling recent line when a llama.cpp call fails."""
        for line in reversed(self.recent):
            if "error loading model:" in line:
                return line.split("error loading model:", 1)[1].strip()
        for line in reversed(self.recent):
            low = line.lower()
            if "error" in low or "failed" in low or "unable" in low or "out of memory" in low:
                return line.split(": ", 1)[-1].strip() if ": " in line else line.strip()
        return ""


LLAMA_VERSION: str = C.__version__
LOG = _LogRouter()
C.llama_log_set(LOG.callback, ctypes.c_void_p(0))
C.llama_backend_init()


@contextmanager
def capture_log() -> Iterator[list[str]]:
    """Collect every llama.cpp log line (debug included) written inside the block."""
    lines: list[str] = []

    def tap(_level: int, line: str) -> None:
        lines.append(line)

    LOG.taps.append(tap)
    try:
        yield lines
    finally:
        LOG.taps.remove(tap)


class _Guarded[**P, R]:
    """A Python function handed to C as a callback. ctypes would only print an exception the
    function raises; this keeps it, returns `when_raised` to C, and `raise_if_failed` raises
    it once the C call is back in Python, so a bug takes the crash path like any other."""

    def __init__(self, function: Callable[P, R], *, when_raised: R) -> None:
        self.function = function
        self.when_raised = when_raised
        self.error: Exception | None = None

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return self.function(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - C's edge: kept, raised after the C call
            self.error = exc
            return self.when_raised

    def raise_if_failed(self) -> None:
        error, self.error = self.error, None
        if error is not None:
            raise error


class _BuftOverride(ctypes.Structure):
    _fields_ = [("pattern", ctypes.c_char_p), ("buft", ctypes.c_void_p)]


def _cpu_buffer_type() -> int:
    base = libraries.load("ggml-base")
    if base is None:
        raise RuntimeError(translate(
            "LlamaNative", "libggml-base is missing from the llama-cpp-python install"
        ))
    base.ggml_backend_cpu_buffer_type.restype = ctypes.c_void_p
    return int(base.ggml_backend_cpu_buffer_type())


class LoadAborted(Exception):
    """The progress callback asked llama.cpp to stop loading."""


@dataclass
class ModelParams:
    n_gpu_layers: int
    cpu_overrides: Sequence[str] = ()  # regexes of tensors to keep in CPU RAM
    tensor_split: Sequence[float] = ()
    use_mmap: bool = True
    rpc_servers: Sequence[str] = ()  # llama.cpp RPC workers; only with a -DGGML_RPC=on build


@dataclass
class ContextParams:
    n_ctx: int
    n_batch: int = 512
    n_ubatch: int = 512
    n_threads: int = 4
    n_threads_batch: int = 4
    flash_attn: bool | None = None  # None: llama.cpp decides per device
    kv_type: str = "f16"
    op_offload: bool = True


@dataclass
class NativeModel:
    """A loaded model and its context. Everything the C side points at is kept alive here."""

    model: int
    ctx: int
    vocab: int
    n_ctx: int
    n_batch: int
    _keepalive: list[object] = field(default_factory=list)
    _pieces: dict[int, bytes] = field(default_factory=dict)
    _token_buf: ctypes.Array[ctypes.c_int32] = field(default_factory=lambda: (ctypes.c_int32 * 1)())
    abort_callback: object = None
    abort_guard: _Guarded[[object], bool] | None = None

    # -- loading -----------------------------------------------------------------------------

    @classmethod
    def load(
        cls,
        path: Path,
        model_params: ModelParams,
        context_params: ContextParams,
        *,
        progress: Callable[[float], bool],
        abort: Callable[[], bool],
    ) -> NativeModel:
        keepalive: list[object] = []
        params = C.llama_model_default_params()
        params.n_gpu_layers = model_params.n_gpu_layers
        params.load_mode = C.LLAMA_LOAD_MODE_MMAP if model_params.use_mmap else C.LLAMA_LOAD_MODE_NONE
        if model_params.cpu_overrides:
            buft = _cpu_buffer_type()
            patterns = [p.encode() for p in model_params.cpu_overrides]
            array = (_BuftOverride * (len(patterns) + 1))()
            for i, pattern in enumerate(patterns):
                array[i].pattern = pattern
                array[i].buft = buft
            array[len(patterns)].pattern = None  # NULL terminator
            keepalive += [patterns, array]
            params.tensor_buft_overrides = ctypes.cast(array, ctypes.c_void_p)
        if model_params.rpc_servers:
            from backend.engine import rpc

            devices = rpc.device_list(model_params.rpc_servers)  # NULL-terminated
            keepalive.append(devices)
            params.devices = ctypes.cast(devices, ctypes.c_void_p)
        if model_params.tensor_split:
            split = (ctypes.c_float * C.llama_max_devices())(*model_params.tensor_split)
            keepalive.append(split)
            params.tensor_split = split

        aborted = False

        def on_progress(value: float, _user: object) -> bool:
            nonlocal aborted
            keep_going = bool(progress(float(value)))
            aborted = aborted or not keep_going
            return keep_going

        progress_guard = _Guarded(on_progress, when_raised=False)  # a bug stops the load
        callback = C.llama_progress_callback(progress_guard)
        keepalive.append(callback)
        params.progress_callback = callback

        model = C.llama_model_load_from_file(str(path).encode(), params)
        progress_guard.raise_if_failed()
        if not model:
            if aborted:
                raise LoadAborted
            raise RuntimeError(
                LOG.last_error() or translate("LlamaNative", "llama.cpp could not load the model")
            )
        with ExitStack() as on_failure:
            on_failure.callback(C.llama_model_free, model)
            ctx, n_ctx, n_batch = _new_context(model, context_params)
            on_failure.pop_all()

        abort_guard = _Guarded(lambda _data: bool(abort()), when_raised=True)
        callback = C.ggml_abort_callback(abort_guard)
        keepalive.append(callback)
        vocab = C.llama_model_get_vocab(model)
        return cls(model, ctx, vocab, n_ctx, n_batch, keepalive, abort_callback=callback,
                   abort_guard=abort_guard)

    def free(self) -> None:
        if self.ctx:
            C.llama_free(self.ctx)
            self.ctx = 0
        if self.model:
            C.llama_model_free(self.model)
            self.model = 0
        self._keepalive.clear()

    # -- text and tokens ---------------------------------------------------------------------

    def tokenize(self, text: str) -> list[int]:
        """Tokens of an already-templated prompt (special tokens parsed, no BOS added)."""
        raw = text.encode("utf-8")
        capacity = len(raw) + 16
        buf = (ctypes.c_int32 * capacity)()
        n = C.llama_tokenize(self.vocab, raw, len(raw), buf, capacity, False, True)
        if n < 0:
            buf = (ctypes.c_int32 * -n)()
            n = C.llama_tokenize(self.vocab, raw, len(raw), buf, -n, False, True)
        return list(buf[:n])

    def piece(self, token: int) -> bytes:
        """The bytes a generated token shows: text for normal and user-defined tokens, and
        for the think tags even when a conversion marked them as control tokens; nothing for
        other control tokens (BOS, EOS, padding)."""
        cached = self._pieces.get(token)
        if cached is not None:
            return cached
        buf = ctypes.create_string_buffer(256)
        n = C.llama_token_to_piece(self.vocab, token, buf, 256, 0, True)
        text = buf.raw[:n] if n >= 0 else b""
        if C.llama_vocab_get_attr(self.vocab, token) & C.LLAMA_TOKEN_ATTR_CONTROL:
            shown = text.strip() in _THINK_TAGS or any(m in text for m in _TOOL_MARKERS)
            text = text if shown else b""
        self._pieces[token] = text
        return text

    def is_eog(self, token: int) -> bool:
        return bool(C.llama_vocab_is_eog(self.vocab, token))

    # -- evaluation --------------------------------------------------------------------------

    def forget_after(self, n_tokens: int) -> bool:
        """Drop KV-cache cells from position `n_tokens` on (prefix reuse across turns).

        False when the cache cannot drop only a tail (DeepSeek V4's compressed cache): it was
        cleared instead, and the whole prompt must be evaluated again.
        """
        memory = C.llama_get_memory(self.ctx)
        if n_tokens > 0 and C.llama_memory_seq_rm(memory, 0, n_tokens, -1):
            return True
        C.llama_memory_clear(memory, True)
        return n_tokens <= 0

    # -- the sequence's state (KV snapshots) ---------------------------------------------------

    def positions(self) -> tuple[int, int]:
        """The first and last position the cache holds (-1, -1 when empty)."""
        memory = C.llama_get_memory(self.ctx)
        return (int(C.llama_memory_seq_pos_min(memory, 0)),
                int(C.llama_memory_seq_pos_max(memory, 0)))

    def capacity(self) -> int:
        """How many tokens the sequence can hold."""
        return int(C.llama_n_ctx_seq(self.ctx))

    def save_state(self) -> bytearray | None:
        """llama.cpp's serialized KV cells of the sequence, or None if it could not write them."""
        size = int(C.llama_state_seq_get_size(self.ctx, 0))
        if size <= 0:
            return None
        blob = bytearray(size)
        written = C.llama_state_seq_get_data(self.ctx, _byte_buffer(blob), size, 0)
        return blob if written == size else None

    def load_state(self, blob: bytearray) -> bool:
        """Replace the sequence's cells with `blob` (from `save_state`). On False the cache was
        emptied: llama.cpp clears the sequence before it finds a blob unusable."""
        read = C.llama_state_seq_set_data(self.ctx, _byte_buffer(blob), len(blob), 0)
        if read == len(blob):
            return True
        C.llama_memory_clear(C.llama_get_memory(self.ctx), True)
        return False

    def set_abortable(self, on: bool) -> None:
        """Let a stop interrupt a decode midway (long prompts), or not (single tokens).

        ggml asks the callback after every graph node: a Python call hundreds of times per
        token, worth it only while a long prompt is evaluated. Generation checks its stop flag
        between tokens instead.
        """
        callback = self.abort_callback if on else C.ggml_abort_callback()
        C.llama_set_abort_callback(self.ctx, callback, None)

    def decode(self, tokens: Sequence[int]) -> int:
        """Evaluate tokens appended to the cache; 0 ok, 2 aborted, other values: failure."""
        if len(tokens) == 1:
            self._token_buf[0] = tokens[0]
            return int(C.llama_decode(self.ctx, C.llama_batch_get_one(self._token_buf, 1)))
        array = (ctypes.c_int32 * len(tokens))(*tokens)
        status = int(C.llama_decode(self.ctx, C.llama_batch_get_one(array, len(tokens))))
        if self.abort_guard is not None:
            self.abort_guard.raise_if_failed()
        return status

    def sampler(self, sampling: Sampling, seed: int, grammar: str | None = None) -> Sampler:
        return Sampler(self, sampling, seed, grammar)


class Sampler:
    """A llama.cpp sampler chain: all per-token sampling work happens in C."""

    def __init__(self, model: NativeModel, s: Sampling, seed: int, grammar: str | None) -> None:
        self.chain = C.llama_sampler_chain_init(C.llama_sampler_chain_default_params())

        def add(smpl: object) -> None:
            C.llama_sampler_chain_add(self.chain, smpl)
        if grammar:
            smpl = C.llama_sampler_init_grammar(model.vocab, grammar.encode(), b"root")
            if not smpl:
                self.free()
                raise ValueError("invalid grammar")
            add(smpl)
        if s.repeat_penalty != 1.0:
            add(C.llama_sampler_init_penalties(64, s.repeat_penalty, 0.0, 0.0))
        if s.temperature <= 0:
            add(C.llama_sampler_init_greedy())
            return
        if s.top_k > 0:
            add(C.llama_sampler_init_top_k(s.top_k))
        if 0 < s.top_p < 1:
            add(C.llama_sampler_init_top_p(s.top_p, 1))
        if s.min_p > 0:
            add(C.llama_sampler_init_min_p(s.min_p, 1))
        add(C.llama_sampler_init_temp(s.temperature))
        add(C.llama_sampler_init_dist(seed & 0xFFFFFFFF))

    def sample(self, ctx: int) -> int:
        return int(C.llama_sampler_sample(self.chain, ctx, -1))

    def free(self) -> None:
        if self.chain:
            C.llama_sampler_free(self.chain)
            self.chain = None


def _byte_buffer(blob: bytearray) -> ctypes.Array[ctypes.c_uint8]:
    """`blob`'s own memory as a C uint8_t array (no copy)."""
    return (ctypes.c_uint8 * len(blob)).from_buffer(blob)


def _new_context(model: int, p: ContextParams) -> tuple[int, int, int]:
    params = C.llama_context_default_params()
    params.n_ctx = p.n_ctx
    params.n_batch = p.n_batch
    params.n_ubatch = min(p.n_ubatch, p.n_batch)
    params.n_threads = p.n_threads
    params.n_threads_batch = p.n_threads_batch
    params.flash_attn_type = {None: C.LLAMA_FLASH_ATTN_TYPE_AUTO, True: 1, False: 0}[p.flash_attn]
    params.type_k = params.type_v = KV_TYPES[p.kv_type]
    params.op_offload = p.op_offload
    params.offload_kqv = True
    # A sliding-window cache (DeepSeek-V4) keeps only the window, not the whole context:
    # 6.9 KB a token instead of 51 KB for V4-Flash. The offload planner sizes it so.
    params.swa_full = False
    params.no_perf = True

    ctx = C.llama_init_from_model(model, params)
    if not ctx:
        raise RuntimeError(
            LOG.last_error() or translate("LlamaNative", "llama.cpp could not create a context")
        )
    return ctx, int(C.llama_n_ctx(ctx)), p.n_batch


def supports_gpu_offload() -> bool:
    return bool(C.llama_supports_gpu_offload())
