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
from backend.chat.tool_calls import ToolCallFilter
from backend.engine.kv_snapshots import (
    SnapshotError,
    SnapshotKey,
    capture,
    common_prefix,
    restore,
)
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
    from backend.engine.snapshot_store import SnapshotStore

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
    """llama.cpp on this machine. Implements `backend.chat.Engine`.

    With a `SnapshotStore`, the KV cache outlives the conversation it was built for: after each
    answer it is kept as a snapshot (RAM, then disk), and a prompt that starts like a snapshot
    (the conversation reopened, switched back to, or continued after a restart) restores it and
    evaluates only what is new.
    """

    MIN_SNAPSHOT_TOKENS = 64  # shorter caches are cheaper to evaluate again than to keep

    def __init__(self, *, grammar: str | None = None,
                 snapshots: SnapshotStore | None = None) -> None:
        """`grammar` (GBNF) constrains every answer, e.g. to a format; None: free text."""
        self.grammar = grammar
        self.snapshots = snapshots
        self._native: NativeModel | None = None  # llama_native is imported on first load
        self.loaded: LoadedModel | None = None
        self._cancel = threading.Event()
        self._active_cancel = self._cancel  # the running generation's flag
        self._cancel_load = threading.Event()
        self._cache_tokens: list[int] = []
        self._snapshot_key: SnapshotKey | None = None
        self._cache_owner: str | None = None  # the conversation the cache was built for
        self._kept_tokens = 0  # how much of the cache the newest snapshot holds
        self._drops_tail = True  # False for V4: its cache is kept and restored whole only

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
        self._kept_tokens = 0
        self._drops_tail = info.layout.cache_drops_tail
        if self.snapshots is not None:
            self._snapshot_key = SnapshotKey.of(info.path, settings.kv_type, settings.flash_attn,
                                                native.LLAMA_VERSION)
        self.loaded = LoadedModel(info, plan, self._native.n_ctx, time.perf_counter() - started)
        log.info("loaded %s (%s) in %.1f s: %s", info.label, info.quant,
                 self.loaded.load_seconds, plan.summary())
        return self.loaded

    def cancel_load(self) -> None:
        """Stop a `load` running on another thread; it raises `LoadCancelled`."""
        self._cancel_load.set()

    def unload(self) -> None:
        """Free the model's RAM and VRAM (its cache is kept as a snapshot first)."""
        if self._native is not None:
            self._keep_cache(self._native)
            self._native.free()
            self._native = None
        self.loaded = None
        self._cache_tokens = []
        self._snapshot_key = None

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
            continue_reasoning=request.continue_reasoning,
            reasoning_effort=request.reasoning_effort, arch=info.arch,
        )
        sampling = request.sampling or default_sampling(info.family.family)
        splitter = ReasoningSplitter(starts_in_reasoning=prompt.starts_in_reasoning,
                                     resumed=bool(request.continue_reasoning))
        tools = ToolCallFilter()  # tool-call markup never reaches the answer as text
        stream = self.generate(prompt.text, sampling=sampling, max_tokens=request.max_tokens,
                               seed=request.seed, grammar=grammar or self.grammar,
                               cancel=cancel, conversation=request.conversation_id)
        try:
            for item in stream:
                if isinstance(item, GenerationStats):
                    for delta in splitter.finish():
                        yield from tools.feed(delta)
                    yield from tools.finish()
                    yield Finished(item)
                else:
                    out = [d for delta in splitter.feed(item) for d in tools.feed(delta)]
                    yield from out or (_HEARTBEAT,)
        except AppError:
            yield from tools.finish()  # what came before the failure is kept, as it came
            raise

    def generate(
        self,
        prompt: str,
        *,
        sampling: Sampling,
        max_tokens: int | None = None,
        seed: int | None = None,
        grammar: str | None = None,
        cancel: threading.Event | None = None,
        conversation: str | None = None,
    ) -> Iterator[str | GenerationStats]:
        """Text pieces of the continuation of `prompt`, then one `GenerationStats`.

        `grammar` (GBNF) constrains the output, in C, with no per-token Python cost. After the
        stats, the cache is kept as `conversation`'s snapshot (if the engine keeps snapshots).
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
        cached = self._reuse_prefix(native, tokens, conversation)
        checkpoint = self._checkpoint_at(tokens, cached)
        native.set_abortable(True)
        try:
            finish = None
            if checkpoint:
                finish = self._evaluate_prompt(native, tokens[:checkpoint], cached, cancel)
                if finish is None:
                    self._keep_cache(native, checkpoint=True)
            if finish is None:
                finish = self._evaluate_prompt(native, tokens, checkpoint or cached, cancel)
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
                        self._truncate(native, len(self._cache_tokens))
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
        self._keep_cache(native)  # after the answer is out: the user reads while it is kept

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

    def _reuse_prefix(self, native: NativeModel, tokens: list[int],
                      conversation: str | None) -> int:
        """Keep the longest start of `tokens` the cache (or a snapshot) already holds; return
        how many tokens that is. The last prompt token is always evaluated again: its logits
        are what the first answer token is sampled from."""
        limit = len(tokens) - 1
        common = min(common_prefix(self._cache_tokens, tokens), limit)
        whole = common == len(self._cache_tokens)
        # A cache that cannot drop its tail is worth only what it holds whole.
        live = common if whole or self._drops_tail else 0
        restored = self._restore_snapshot(native, tokens, live, limit)
        if restored is None:
            if common and whole:
                restored = common  # nothing to drop
            else:
                if len(self._cache_tokens) - common >= self.MIN_SNAPSHOT_TOKENS:
                    self._keep_cache(native)  # most of the cache is about to be dropped
                restored = self._truncate(native, common)
        self._cache_owner = conversation
        return restored

    def _checkpoint_at(self, tokens: list[int], cached: int) -> int:
        """Where to keep the cache before the prompt's last token, or 0 for nowhere.

        Only for a cache that cannot drop its tail (V4): the next turn's prompt repeats this
        one up to its last token (`<think>` becomes `</think>` once past reasoning is dropped),
        so the cache kept after the answer would not fit it, while this one does."""
        end = len(tokens) - 1
        if (self._drops_tail or self.snapshots is None or self._snapshot_key is None
                or end <= cached or end < self.MIN_SNAPSHOT_TOKENS):
            return 0
        return end

    def _truncate(self, native: NativeModel, n_tokens: int) -> int:
        """Keep the cache's first `n_tokens`; a cache that cannot drop only its tail (V4's
        compressed one) is emptied instead. Returns how many tokens it holds."""
        if not native.forget_after(n_tokens):
            n_tokens = 0
        del self._cache_tokens[n_tokens:]
        self._kept_tokens = min(self._kept_tokens, n_tokens)
        return n_tokens

    def _restore_snapshot(self, native: NativeModel, tokens: list[int], live: int,
                          limit: int) -> int | None:
        """Swap the cache for the snapshot sharing the longest start with `tokens`, if it
        shares more than the cache does; how many tokens it holds then, or None."""
        key = self._snapshot_key
        if self.snapshots is None or key is None:
            return None
        if self._drops_tail:
            snapshot_id, shared = self.snapshots.best_match(key, tokens)
            shared = min(shared, limit)
        else:
            snapshot_id, shared = self.snapshots.longest_start(key, tokens, limit)
        if snapshot_id is None or shared < live + self.MIN_SNAPSHOT_TOKENS:
            return None
        snapshot = self.snapshots.get(snapshot_id)
        if snapshot is None:
            return None
        self._keep_cache(native)  # the cache is about to be replaced
        try:
            kept = restore(native, snapshot, key, shared)
        except SnapshotError as exc:  # the cache is empty now; the prompt is read in full
            log.info("KV snapshot not used: %s", exc)
            self.snapshots.drop(snapshot_id)
            self._cache_tokens, self._kept_tokens = [], 0
            return 0
        self._cache_tokens = list(snapshot.tokens[:kept])
        self._kept_tokens = kept
        log.info("restored %d cached tokens from a KV snapshot", kept)
        return kept

    def _keep_cache(self, native: NativeModel, *, checkpoint: bool = False) -> None:
        """Keep the cache as its conversation's snapshot, unless it is short or already kept.

        A cache that cannot drop its tail keeps two per conversation: the `checkpoint` before
        the last prompt token (which supersedes the older ones) and the cache after the answer.
        """
        key, tokens = self._snapshot_key, self._cache_tokens
        if (self.snapshots is None or key is None or len(tokens) < self.MIN_SNAPSHOT_TOKENS
                or len(tokens) == self._kept_tokens):
            return
        try:
            snapshot = capture(native, tokens, key, self._cache_owner)
        except SnapshotError as exc:
            log.info("KV cache not kept: %s", exc)
            return
        self.snapshots.put(snapshot, keep_starts=not (self._drops_tail or checkpoint))
        self._kept_tokens = len(tokens)

    def forget_conversation(self, conversation: str) -> None:
        """A deleted conversation's snapshots go with it. Safe from any thread."""
        if self.snapshots is not None:
            self.snapshots.drop_conversation(conversation)

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
                self._truncate(native, begin)
                return FinishReason.CANCELLED
            if status != 0:
                self._truncate(native, begin)
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
