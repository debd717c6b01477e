"""Write small random-weight `deepseek2` GGUF models that the real llama.cpp loads and runs.

They have DeepSeek-V3's structure in miniature: MLA attention (or the legacy layout), dense lead
layers, then MoE layers with routed experts, one shared expert and sigmoid gating with an
expert bias; a byte-level BPE vocabulary with DeepSeek's special tokens; and a chat template.
A few hundred KB by default, written in well under a second; `bench_spec()` makes a
few-hundred-MB one for benchmarks. Never commit what this writes.

A *scripted* model (`bigrams`) writes a known text at any temperature: every layer's output
projections are zero, so the last hidden state is the current token's embedding, and the output
head is a bigram table that continues each scripted token with the next one (`script()` builds
one: "WHY" as reasoning, then "BLUE" as the answer; `endless()` never stops). It runs through
the real llama.cpp like any other, with no grammar, so a whole `serve` process can be tested.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import gguf
import numpy as np

BOS = "<｜begin▁of▁sentence｜>"
EOS = "<｜end▁of▁sentence｜>"
PAD = "<｜▁pad▁｜>"
USER = "<｜User｜>"
ASSISTANT = "<｜Assistant｜>"
THINK, END_THINK = "<think>", "</think>"
_TOOL_TOKENS = [
    "<｜tool▁calls▁begin｜>", "<｜tool▁calls▁end｜>", "<｜tool▁call▁begin｜>",
    "<｜tool▁call▁end｜>", "<｜tool▁outputs▁begin｜>", "<｜tool▁outputs▁end｜>",
    "<｜tool▁output▁begin｜>", "<｜tool▁output▁end｜>", "<｜tool▁sep｜>",
]

# Text the toy BPE learns its merges from, so words become multi-byte tokens as in real models.
_CORPUS = (
    "the quick brown fox jumps over the lazy dog. think about the answer and then answer. "
    "the answer is four. let me think step by step. 你好，世界。深度思考。 hello world "
    "def main(): return 42  # code ```python print('hi')``` markdown **bold** | table | "
) * 3


@dataclass(frozen=True, slots=True)
class TinyModelSpec:
    name: str = "DeepSeek-R1 Tiny Test"
    chat_template: str | None = None
    n_embd: int = 64
    n_layer: int = 3
    n_dense: int = 1  # leading dense layers (DeepSeek-V3 has 3)
    n_head: int = 4
    q_lora_rank: int = 32
    kv_lora_rank: int = 32
    qk_rope: int = 16
    qk_nope: int = 32
    v_head: int = 32
    n_ff: int = 128
    n_ff_exp: int = 32
    n_expert: int = 8
    n_expert_used: int = 2
    n_ctx_train: int = 4096
    mla: bool = True
    weight_type: gguf.GGMLQuantizationType = gguf.GGMLQuantizationType.F16
    expert_type: gguf.GGMLQuantizationType | None = None  # None: weight_type
    think_tags_control: bool = False  # mark <think>/</think> as control tokens
    n_merges: int = 120
    seed: int = 0
    split_max_tensors: int = 0  # >0 writes NAME-0000i-of-0000N.gguf parts
    extra_metadata: tuple[tuple[str, str], ...] = ()
    # A scripted model: (token, next token) pairs by vocabulary text ("Ċ" is a newline); after
    # a pair's first token the model always writes its second, at any temperature. See
    # `script()`, `endless()`, `bigram_chain()`. Empty: random weights.
    bigrams: tuple[tuple[str, str], ...] = ()


# The tokens that end a rendered prompt: R1's "<think>\n", V3.1's "<think>" (thinking) or
# "</think>" (not), V3's assistant marker.
_PROMPT_ENDS = ("Ċ", THINK)


def script(reasoning: str = "WHY", answer: str = "BLUE") -> tuple[tuple[str, str], ...]:
    """Bigrams for a model that reasons `reasoning`, closes the block, answers `answer`, then
    stops. Each character must be a printable ASCII byte token and appear only once in all."""
    chain = [*reasoning, END_THINK, *answer, EOS]
    if len(set(chain)) != len(chain):
        raise ValueError(f"a scripted token repeats in {chain}")
    pairs = [(start, chain[0]) for start in _PROMPT_ENDS]
    pairs.append((ASSISTANT, answer[0]))  # V3: no think block, the answer at once
    pairs += list(itertools.pairwise(chain))
    return tuple(pairs)


def endless(text: str = "ab") -> tuple[tuple[str, str], ...]:
    """Bigrams for a model that writes `text` over and over and never stops by itself."""
    cycle = [*text]
    pairs = [(start, cycle[0]) for start in (*_PROMPT_ENDS, ASSISTANT, END_THINK)]
    return (*pairs, *itertools.pairwise([*cycle, cycle[0]]))


def bench_spec(**changes: object) -> TinyModelSpec:
    """A mid-size model (~300 MB at Q8_0) whose decode speed is worth measuring."""
    spec = TinyModelSpec(
        name="DeepSeek-R1 Bench", n_embd=1024, n_layer=8, n_dense=1, n_head=8,
        q_lora_rank=256, kv_lora_rank=256, qk_rope=32, qk_nope=64, v_head=64, n_ff=2816,
        n_ff_exp=512, n_expert=32, n_expert_used=4, weight_type=gguf.GGMLQuantizationType.Q8_0,
    )
    return replace(spec, **changes)  # type: ignore[arg-type]


def bigram_chain(prompt_end: str, output: str) -> tuple[tuple[str, str], ...]:
    """`TinyModelSpec.bigrams` for a model that answers every prompt ending with `prompt_end`
    (e.g. "\\n" after R1's "<think>\\n") with `output`, then stops.

    `output` is written one byte token at a time, except for special tokens (`</think>`); no
    token may appear twice in the chain (a bigram model knows only the previous token).
    """
    table = _bytes_to_unicode()

    def token(piece: str) -> str:
        if piece in _special_tokens():
            return piece
        encoded = piece.encode()
        if len(encoded) != 1:
            raise ValueError(f"{piece!r} is neither a special token nor a single byte")
        return table[encoded[0]]

    pieces = [prompt_end]
    rest = output
    while rest:
        special = next((t for t in _special_tokens() if rest.startswith(t)), None)
        pieces.append(special or rest[0])
        rest = rest[len(pieces[-1]):]
    chain = [*map(token, pieces), EOS]
    if len(set(chain)) != len(chain):
        raise ValueError(f"a token repeats in {chain!r}: a bigram model cannot write that")
    return tuple(itertools.pairwise(chain))


def write_tiny_model(path: Path, spec: TinyModelSpec = TinyModelSpec()) -> Path:
    """Write the model; return the path to load (the first part of a split set)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = gguf.GGUFWriter(path, "deepseek2", split_max_tensors=spec.split_max_tensors)
    _write_hparams(writer, spec)
    _write_vocab(writer, spec)
    _write_tensors(writer, spec)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    if spec.split_max_tensors:
        count = len(list(path.parent.glob(f"{path.stem}-*-of-*.gguf")))
        return path.with_name(f"{path.stem}-00001-of-{count:05d}.gguf")
    return path


def _write_hparams(w: gguf.GGUFWriter, s: TinyModelSpec) -> None:
    w.add_name(s.name)
    basename = re.sub(r"\s+Tiny Test$|\s+Bench$", "", s.name).replace(" ", "-")
    w.add_basename(basename)
    w.add_context_length(s.n_ctx_train)
    w.add_embedding_length(s.n_embd)
    w.add_block_count(s.n_layer)
    w.add_feed_forward_length(s.n_ff)
    w.add_head_count(s.n_head)
    w.add_rope_freq_base(10000.0)
    w.add_layer_norm_rms_eps(1e-6)
    w.add_expert_used_count(s.n_expert_used)
    w.add_expert_gating_func(gguf.ExpertGatingFuncType.SIGMOID)
    w.add_leading_dense_block_count(s.n_dense)
    w.add_vocab_size(_vocab_size(s))
    w.add_q_lora_rank(s.q_lora_rank)
    w.add_kv_lora_rank(s.kv_lora_rank)
    if s.mla:
        w.add_head_count_kv(1)
        w.add_key_length(s.kv_lora_rank + s.qk_rope)
        w.add_value_length(s.kv_lora_rank)
        w.add_key_length_mla(s.qk_nope + s.qk_rope)
        w.add_value_length_mla(s.v_head)
    else:
        w.add_head_count_kv(s.n_head)
        w.add_key_length(s.qk_nope + s.qk_rope)
        w.add_value_length(s.v_head)
    w.add_expert_feed_forward_length(s.n_ff_exp)
    w.add_expert_count(s.n_expert)
    w.add_expert_shared_count(1)
    w.add_expert_weights_scale(2.5)
    w.add_expert_weights_norm(True)
    w.add_rope_dimension_count(s.qk_rope)
    w.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    for key, value in s.extra_metadata:
        w.add_string(key, value)


# --- vocabulary ----------------------------------------------------------------------------


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible byte → printable character table (byte-level BPE)."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(
        range(ord("®"), ord("ÿ") + 1)
    )
    chars = printable[:]
    n = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + n)
            n += 1
    return dict(zip(printable, map(chr, chars), strict=True))


def _learn_merges(n_merges: int) -> list[tuple[str, str]]:
    table = _bytes_to_unicode()
    words: dict[tuple[str, ...], int] = {}
    for word in re.findall(r" ?\S+", _CORPUS):
        symbols = tuple(table[b] for b in word.encode())
        words[symbols] = words.get(symbols, 0) + 1
    merges: list[tuple[str, str]] = []
    for _ in range(n_merges):
        pairs: dict[tuple[str, str], int] = {}
        for symbols, count in words.items():
            for pair in itertools.pairwise(symbols):
                pairs[pair] = pairs.get(pair, 0) + count
        if not pairs:
            break
        best = max(pairs, key=lambda p: (pairs[p], p))
        merges.append(best)
        merged: dict[tuple[str, ...], int] = {}
        for symbols, count in words.items():
            out: list[str] = []
            i = 0
            while i < len(symbols):
                if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                    out.append(symbols[i] + symbols[i + 1])
                    i += 2
                else:
                    out.append(symbols[i])
                    i += 1
            merged[tuple(out)] = merged.get(tuple(out), 0) + count
        words = merged
    return merges


def _special_tokens() -> list[str]:
    return [BOS, EOS, PAD, USER, ASSISTANT, THINK, END_THINK, *_TOOL_TOKENS]


def _vocab_size(s: TinyModelSpec) -> int:
    return 256 + len(_learn_merges(s.n_merges)) + len(_special_tokens())


def _token_texts(s: TinyModelSpec) -> list[str]:
    merges = _learn_merges(s.n_merges)
    return list(_bytes_to_unicode().values()) + [a + b for a, b in merges] + _special_tokens()


def _write_vocab(w: gguf.GGUFWriter, s: TinyModelSpec) -> None:
    byte_tokens = list(_bytes_to_unicode().values())
    merges = _learn_merges(s.n_merges)
    tokens = byte_tokens + [a + b for a, b in merges]
    types = [gguf.TokenType.NORMAL] * len(tokens)
    first_special = len(tokens)
    for text in _special_tokens():
        tokens.append(text)
        control = text in (BOS, EOS, PAD) or (s.think_tags_control and text in (THINK, END_THINK))
        types.append(gguf.TokenType.CONTROL if control else gguf.TokenType.USER_DEFINED)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("deepseek-v3")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges([f"{a} {b}" for a, b in merges])
    w.add_bos_token_id(first_special)
    w.add_eos_token_id(first_special + 1)
    w.add_pad_token_id(first_special + 2)
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)
    if s.chat_template:
        w.add_chat_template(s.chat_template)


# --- weights -------------------------------------------------------------------------------


def tensor_shapes(s: TinyModelSpec) -> Iterator[tuple[str, tuple[int, ...], str]]:
    """(name, ggml shape, kind) of every tensor: kind is matrix, norm, bias, router, expert, or
    zero (the output projections of a bigram model, which must add nothing)."""
    n_embd, n_head, n_vocab = s.n_embd, s.n_head, _vocab_size(s)
    silent = "zero" if s.bigrams else "matrix"
    yield "token_embd.weight", (n_embd, n_vocab), "matrix"
    yield "output_norm.weight", (n_embd,), "norm"
    yield "output.weight", (n_embd, n_vocab), "matrix"
    for i in range(s.n_layer):
        p = f"blk.{i}."
        yield p + "attn_norm.weight", (n_embd,), "norm"
        yield p + "attn_q_a_norm.weight", (s.q_lora_rank,), "norm"
        yield p + "attn_kv_a_norm.weight", (s.kv_lora_rank,), "norm"
        yield p + "attn_q_a.weight", (n_embd, s.q_lora_rank), "matrix"
        yield p + "attn_q_b.weight", (s.q_lora_rank, n_head * (s.qk_nope + s.qk_rope)), "matrix"
        yield p + "attn_kv_a_mqa.weight", (n_embd, s.kv_lora_rank + s.qk_rope), "matrix"
        if s.mla:
            yield p + "attn_k_b.weight", (s.qk_nope, s.kv_lora_rank, n_head), "matrix"
            yield p + "attn_v_b.weight", (s.kv_lora_rank, s.v_head, n_head), "matrix"
        else:
            yield (p + "attn_kv_b.weight", (s.kv_lora_rank, n_head * (s.qk_nope + s.v_head)),
                   "matrix")
        yield p + "attn_output.weight", (n_head * s.v_head, n_embd), silent
        yield p + "ffn_norm.weight", (n_embd,), "norm"
        if i < s.n_dense:
            yield p + "ffn_gate.weight", (n_embd, s.n_ff), "matrix"
            yield p + "ffn_up.weight", (n_embd, s.n_ff), "matrix"
            yield p + "ffn_down.weight", (s.n_ff, n_embd), silent
            continue
        yield p + "ffn_gate_inp.weight", (n_embd, s.n_expert), "router"
        yield p + "exp_probs_b.bias", (s.n_expert,), "bias"
        yield p + "ffn_gate_exps.weight", (n_embd, s.n_ff_exp, s.n_expert), "expert"
        yield p + "ffn_up_exps.weight", (n_embd, s.n_ff_exp, s.n_expert), "expert"
        yield (p + "ffn_down_exps.weight", (s.n_ff_exp, n_embd, s.n_expert),
               "zero" if s.bigrams else "expert")
        yield p + "ffn_gate_shexp.weight", (n_embd, s.n_ff_exp), "matrix"
        yield p + "ffn_up_shexp.weight", (n_embd, s.n_ff_exp), "matrix"
        yield p + "ffn_down_shexp.weight", (s.n_ff_exp, n_embd), silent


def _write_tensors(w: gguf.GGUFWriter, s: TinyModelSpec) -> None:
    rng = np.random.default_rng(s.seed)
    expert_type = s.expert_type or s.weight_type
    scripted = bool(s.bigrams)
    embeddings: np.ndarray | None = None
    for name, ggml_shape, kind in tensor_shapes(s):
        numpy_shape = tuple(reversed(ggml_shape))
        if kind == "norm":
            w.add_tensor(name, np.ones(numpy_shape, dtype=np.float32))
            continue
        if kind == "zero":
            w.add_tensor(name, np.zeros(numpy_shape, dtype=np.float16))
            continue
        if kind == "bias":
            w.add_tensor(name, (rng.standard_normal(numpy_shape) * 0.01).astype(np.float32))
            continue
        scale = 1.0 / np.sqrt(ggml_shape[0])
        data = (rng.standard_normal(numpy_shape) * scale).astype(np.float32)
        if scripted and name == "token_embd.weight":
            embeddings = data
        elif scripted and name == "output.weight":
            assert embeddings is not None
            data = _bigram_head(s, embeddings, data)
        qtype = expert_type if kind == "expert" else s.weight_type
        if kind == "router":
            qtype = gguf.GGMLQuantizationType.F32
        if qtype == gguf.GGMLQuantizationType.F32:
            w.add_tensor(name, data)
        elif qtype == gguf.GGMLQuantizationType.F16:
            w.add_tensor(name, data.astype(np.float16))
        else:
            w.add_tensor(name, gguf.quants.quantize(data, qtype), raw_dtype=qtype)


def _bigram_head(s: TinyModelSpec, embeddings: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """An output head whose logits for token `prev` peak at its scripted successor.

    With silent layers the final hidden state is RMSNorm(embedding of prev) (norm weights 1);
    each successor's row gets that state's direction, scaled for a logit of 60 against random
    rows near 0, so sampling picks it at any temperature.
    """
    index = {text: i for i, text in enumerate(_token_texts(s))}
    head = noise * 0.1
    for prev, following in s.bigrams:
        x = embeddings[index[prev]].astype(np.float16).astype(np.float32)
        x = x / np.sqrt(np.mean(x * x) + 1e-6)
        head[index[following]] += 60.0 * x / float(x @ x)
    return head.astype(np.float32)
