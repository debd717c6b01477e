"""The local engine: load a DeepSeek GGUF with a planned GPU/CPU split and stream answers.

Lifecycle: `load` (preflight, plan, llama.cpp load with progress and cancel) → any number of
`chat`/`generate` calls → `unload`. One thread drives an engine (llama.cpp contexts are not
thread-safe); `cancel` and `cancel_load` are the only calls meant for other threads. Across
turns the KV cache keeps the longest common prefix of the previous prompt, so a follow-up
question only evaluates what is new.
"""

from __future__ import annotations

import codecs
import logging
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from backend.chat.events import Finished, FinishReason, GenerationStats, Heartbeat, StreamEvent
from backend.chat.family import default_sampling
from backend.chat.messages import ChatRequest, Sampling
from backend.chat.prompt import build_prompt
from backend.chat.reasoning import ReasoningSplitter
from backend.engine.offload import Machine, OffloadPlan, PlanOptions, plan_offload
from backend.engine.preflight import inspect_loadable
from backend.errors import (
    AppError,
    ContextOverflowError,
    GenerationError,
    ModelLoadError,
    OutOfMemoryError,
)
from backend.gguf.model_info import ModelInfo
from backend.i18n import translate

if TYPE_CHECKING:
    from backend.engine.native import NativeModel

log = logging.getLogger(__name__)

_ABORTED = 2
_HEARTBEAT = Heartbeat()  # llama_decode's return value when the abort callback stopped it


@dataclass(frozen=True, slots=True)
class LoadSettings:
    n_ctx: int = 8192
    kv_type: str = "f16"
    cpu_moe_layers: int | None = None  # manual offload: experts of N MoE layers in RAM
    n_threads: int | None = None  # None: physical cores
    flash_attn: bool | None = None  # None: llama.cpp decides
    n_batch: int = 512
    rpc_servers: tuple[str, ...] = ()  # llama.cpp RPC workers ("host:port"); see backend.rpc


@dataclass(frozen=True, slots=True)
class LoadedModel:
    info: ModelInfo
    plan: OffloadPlan
    n_ctx: int
    load_seconds: float


class LoadCancelled(Exception):
    """The user cancelled loading; not an error."""


class LocalEngine:
    """llama.cpp on this machine. Implements `backend.chat.Engine`."""

    def __init__(self, *, grammar: str | None = None) -> None:
        """`grammar` (GBNF) constrains every answer, e.g. to a format; None: free text."""
        self.grammar = grammar
        self._native: NativeModel | None = None  # llama_native is imported on first load
        self.loaded: LoadedModel | None = None
        self._cancel = threading.Event()
        self._active_cancel = self._cancel  # the running generation's flag
        self._cancel_load = threading.Event()
        self._cache_tokens: list[int] = []

    # -- loading -----------------------------------------------------------------------------

    def load(
        self,
        path: str | Path,
        settings: LoadSettings = LoadSettings(),
        *,
        machine: Machine | None = None,
        plan: OffloadPlan | None = None,
        progress: Callable[[float], None] | None = None,
    ) -> LoadedModel:
        """Load a model, replacing any loaded one. Raises `AppError` or `LoadCancelled`.

        `plan` forces a placement; otherwise one is made for `machine` (default: this one).
        """
        from backend.engine import native

        self.unload()
        self._cancel_load.clear()
        started = time.perf_counter()
        info = inspect_loadable(path)
        n_ctx = max(256, min(settings.n_ctx, info.n_ctx_train or settings.n_ctx))
        if plan is None:
            if machine is None:
                from backend.engine import devices

                machine = devices.probe().machine()
            options = PlanOptions(n_ctx=n_ctx, kv_type=settings.kv_type,
                                  cpu_moe_layers=settings.cpu_moe_layers,
                                  flash_attn=settings.flash_attn is not False)
            plan = plan_offload(info.layout, machine, options)
        threads = settings.n_threads or _physical_cores()

        def on_progress(value: float) -> bool:
            if progress is not None:
                progress(value)
            return not self._cancel_load.is_set()

        try:
            self._native = native.NativeModel.load(
                info.path,
                native.ModelParams(
                    n_gpu_layers=plan.n_gpu_layers,
                    cpu_overrides=plan.overrides,
                    tensor_split=plan.tensor_split,
                    use_mmap=plan.use_mmap,
                ) if not settings.rpc_servers else native.ModelParams(
                    # The planner knows only this machine: with RPC workers every layer is
                    # offloaded and llama.cpp splits them by each device's free memory.
                    n_gpu_layers=info.layout.n_layer_all + 1,
                    use_mmap=plan.use_mmap,
                    rpc_servers=settings.rpc_servers,
                ),
                native.ContextParams(
                    n_ctx=n_ctx, n_batch=settings.n_batch, n_ubatch=settings.n_batch,
                    n_threads=threads, n_threads_batch=os.cpu_count() or threads,
                    flash_attn=settings.flash_attn, kv_type=settings.kv_type,
                    op_offload=plan.op_offload,
                ),
                progress=on_progress,
                abort=lambda: self._active_cancel.is_set(),
            )
        except native.LoadAborted:
            raise LoadCancelled from None
        except RuntimeError as exc:
            raise _load_error(info, plan, str(exc)) from None
        self._cache_tokens = []
        self.loaded = LoadedModel(info, plan, self._native.n_ctx, time.perf_counter() - started)
        log.info("loaded %s (%s) in %.1f s: %s", info.label, info.quant,
                 self.loaded.load_seconds, plan.summary())
        return self.loaded

    def cancel_load(self) -> None:
        """Stop a `load` running on another thread; it raises `LoadCancelled`."""
        self._cancel_load.set()

    def unload(self) -> None:
        """Free the model's RAM and VRAM."""
        if self._native is not None:
            self._native.free()
            self._native = None
        self.loaded = None
        self._cache_tokens = []

    # -- generation --------------------------------------------------------------------------

    def cancel(self) -> None:
        """Stop the running generation within one token. Safe from any thread."""
        self._cancel.set()
        self._active_cancel.set()

    def chat(
        self,
        request: ChatRequest,
        *,
        grammar: str | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[StreamEvent]:
        """Stream reasoning and answer deltas, then `Finished`, for a conversation.

        `grammar` (GBNF, local engine only) constrains what the model may write. `cancel`, if
        given, is this request's own stop flag: set before the request even starts, it still
        counts (the engine-wide `cancel()` only stops what is running).
        """
        loaded = self._require_loaded()
        info = loaded.info
        prompt = build_prompt(
            request.messages, info.family, deep_thinking=request.deep_thinking,
            chat_template=info.chat_template, bos_token=info.bos_token, eos_token=info.eos_token,
        )
        sampling = request.sampling or default_sampling(info.family.family)
        splitter = ReasoningSplitter(starts_in_reasoning=prompt.starts_in_reasoning)
        for item in self.generate(prompt.text, sampling=sampling, max_tokens=request.max_tokens,
                                  seed=request.seed, grammar=grammar or self.grammar,
                                  cancel=cancel):
            if isinstance(item, GenerationStats):
                yield from splitter.finish()
                yield Finished(item)
            else:
                yield from splitter.feed(item) or (_HEARTBEAT,)

    def generate(
        self,
        prompt: str,
        *,
        sampling: Sampling,
        max_tokens: int | None = None,
        seed: int | None = None,
        grammar: str | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[str | GenerationStats]:
        """Text pieces of the continuation of `prompt`, then one `GenerationStats`.

        `grammar` (GBNF) constrains the output, in C, with no per-token Python cost.
        """
        native = self._require_native()
        if cancel is None:
            self._cancel.clear()
            cancel = self._cancel
        self._active_cancel = cancel
        started = time.perf_counter()
        tokens = native.tokenize(prompt)
        n_ctx = native.n_ctx
        if len(tokens) >= n_ctx:
            raise ContextOverflowError(translate(
                "Engine",
                "This conversation is {tokens:,} tokens long, more than the "
                "{n_ctx:,}-token context the model was loaded with. Start a new "
                "conversation, or raise the context length in Settings.",
            ).format(tokens=len(tokens), n_ctx=n_ctx), tokens=len(tokens), n_ctx=n_ctx)
        cached = self._reuse_prefix(native, tokens)
        native.set_abortable(True)
        try:
            finish = self._evaluate_prompt(native, tokens, cached, cancel)
        finally:
            native.set_abortable(False)
        prompt_done = time.perf_counter()
        n_generated = 0
        first_at = last_at = prompt_done
        if finish is None:
            budget = n_ctx - len(tokens)
            if max_tokens is not None:
                budget = min(budget, max_tokens)
            seed = random.getrandbits(32) if seed is None else seed
            sampler = native.sampler(sampling, seed, grammar)
            decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
            try:
                while True:
                    if cancel.is_set():
                        finish = FinishReason.CANCELLED
                        break
                    if n_generated >= budget:
                        finish = FinishReason.LENGTH
                        break
                    token = sampler.sample(native.ctx)
                    if native.is_eog(token):
                        finish = FinishReason.STOP
                        break
                    n_generated += 1
                    last_at = time.perf_counter()
                    if n_generated == 1:
                        first_at = last_at
                    text = decoder.decode(native.piece(token))
                    if text:
                        yield text
                    status = native.decode([token])
                    if status == _ABORTED:  # stopped mid-token: drop its half-written cells
                        native.forget_after(len(self._cache_tokens))
                        finish = FinishReason.CANCELLED
                        break
                    if status != 0:
                        raise GenerationError(translate(
                            "Engine", "llama.cpp failed while generating (code {status})."
                        ).format(status=status))
                    self._cache_tokens.append(token)
            finally:
                sampler.free()
            tail = decoder.decode(b"", final=True)
            if tail:
                yield tail
        evaluated = len(tokens) - cached
        prompt_seconds = prompt_done - started
        yield GenerationStats(
            prompt_tokens=len(tokens),
            cached_tokens=cached,
            completion_tokens=n_generated,
            ttft_s=(first_at if n_generated else prompt_done) - started,
            prompt_tps=evaluated / prompt_seconds if prompt_seconds > 0 else 0.0,
            decode_tps=(n_generated - 1) / (last_at - first_at) if n_generated > 1 and last_at > first_at else 0.0,
            finish_reason=finish or FinishReason.STOP,
        )

    def count_tokens(self, text: str) -> int:
        return len(self._require_native().tokenize(text))

    # -- internals ---------------------------------------------------------------------------

    def _require_loaded(self) -> LoadedModel:
        if self.loaded is None or self._native is None:
            raise AppError(translate("Engine", "No model is loaded. Choose a model first."))
        return self.loaded

    def _require_native(self) -> NativeModel:
        self._require_loaded()
        assert self._native is not None
        return self._native

    def _reuse_prefix(self, native: NativeModel, tokens: list[int]) -> int:
        """Keep the KV cache's common prefix with `tokens`; return how many tokens it covers."""
        common = 0
        for old, new in zip(self._cache_tokens, tokens, strict=False):
            if old != new:
                break
            common += 1
        common = min(common, len(tokens) - 1)  # the last prompt token must be evaluated
        native.forget_after(common)
        del self._cache_tokens[common:]
        return common

    def _evaluate_prompt(
        self, native: NativeModel, tokens: list[int], start: int, cancel: threading.Event
    ) -> FinishReason | None:
        n_batch = native.n_batch
        for begin in range(start, len(tokens), n_batch):
            if cancel.is_set():
                return FinishReason.CANCELLED
            chunk = tokens[begin : begin + n_batch]
            status = native.decode(chunk)
            if status == _ABORTED:
                native.forget_after(begin)
                return FinishReason.CANCELLED
            if status != 0:
                native.forget_after(begin)
                raise GenerationError(translate(
                    "Engine",
                    "llama.cpp could not evaluate the prompt (code {status}). If this keeps "
                    "happening, lower the context length or reload the model.",
                ).format(status=status))
            self._cache_tokens.extend(chunk)
        return None


def _physical_cores() -> int:
    from backend.engine.devices import cpu_cores

    return cpu_cores()[0]


def _load_error(info: ModelInfo, plan: OffloadPlan, reason: str) -> AppError:
    low = reason.lower()
    if any(s in low for s in ("out of memory", "failed to allocate", "unable to allocate",
                              "cudamalloc", "failed to create", "not enough memory")):
        return OutOfMemoryError(translate(
            "Engine",
            "Not enough memory to load {model} with this placement "
            "({plan}): {reason}. Keep more layers' experts in RAM in Settings, or "
            "lower the context length.",
        ).format(model=info.label, plan=plan.summary(), reason=reason))
    return ModelLoadError(translate(
        "Engine", "llama.cpp could not load {name}: {reason}"
    ).format(name=info.path.name, reason=reason))
