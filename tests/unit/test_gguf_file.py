"""GGUF reading and preflight: every bad file gets its own specific message, nothing crashes."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from backend.engine.preflight import read_loadable
from backend.errors import (
    ByteSplitError,
    MissingSplitPartError,
    ModelFileError,
    NotGGUFError,
    TruncatedFileError,
    UnsupportedArchitectureError,
    UnsupportedQuantError,
)
from backend.gguf.reader import LazyArray, read_model, uses_mla
from tests.support.raw_gguf import write_raw_gguf
from tests.support.tiny_model import TinyModelSpec, write_tiny_model


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_model(tmp_path_factory.mktemp("m") / "DeepSeek-R1-Tiny.gguf")


@pytest.fixture(scope="module")
def split_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    spec = TinyModelSpec(split_max_tensors=20)
    return write_tiny_model(tmp_path_factory.mktemp("split") / "DeepSeek-R1-Tiny.gguf", spec)


def test_reads_metadata_and_tensors(tiny: Path) -> None:
    model = read_model(tiny)
    assert model.arch == "deepseek2"
    assert model.arch_key("block_count") == 3
    assert model.arch_key("leading_dense_block_count") == 1
    assert len(model.tensors) == 52
    assert isinstance(model.metadata["tokenizer.ggml.tokens"], LazyArray)
    assert model.token_text(model.metadata["tokenizer.ggml.bos_token_id"]) == "<｜begin▁of▁sentence｜>"
    experts = {t.name: t for t in model.tensors}["blk.1.ffn_up_exps.weight"]
    assert experts.shape == (64, 32, 8)
    assert experts.n_bytes == 64 * 32 * 8 * 2  # F16
    # Header plus tensor data (with alignment padding) is the whole file.
    assert 0 < tiny.stat().st_size - model.tensor_bytes < 64 * 1024


def test_split_set_is_read_as_one_model(split_set: Path) -> None:
    assert split_set.name == "DeepSeek-R1-Tiny-00001-of-00003.gguf"
    model = read_model(split_set)
    assert [p.name for p in model.parts] == [
        f"DeepSeek-R1-Tiny-0000{i}-of-00003.gguf" for i in (1, 2, 3)
    ]
    assert len(model.tensors) == 52
    assert {t.part for t in model.tensors} == {0, 1, 2}
    assert model.file_bytes == sum(p.stat().st_size for p in model.parts)


def test_any_part_of_a_split_set_opens_the_set(split_set: Path) -> None:
    second = split_set.with_name("DeepSeek-R1-Tiny-00002-of-00003.gguf")
    assert read_model(second).path == split_set


def test_missing_split_part_is_named(split_set: Path, tmp_path: Path) -> None:
    for part in ("00001", "00003"):
        target = tmp_path / f"DeepSeek-R1-Tiny-{part}-of-00003.gguf"
        target.write_bytes(split_set.with_name(target.name).read_bytes())
    with pytest.raises(MissingSplitPartError) as err:
        read_model(tmp_path / "DeepSeek-R1-Tiny-00001-of-00003.gguf")
    assert str(err.value) == (
        "This model is split into 3 files and part 2 of 3 is missing: "
        f"DeepSeek-R1-Tiny-00002-of-00003.gguf. All parts must be in the same folder ({tmp_path.name})."
    )


def test_not_a_gguf(tmp_path: Path) -> None:
    cases = {
        "random.gguf": (b"\x00\x01binary junk" * 10, "random.gguf is not a GGUF file (it does not "
                        "start with 'GGUF'). Choose a .gguf model file."),
        "page.gguf": (b"<!DOCTYPE html><html>Sign in</html>", "page.gguf is a web page or an error "
                      "message saved under a model's name, not a GGUF file. Download the model again."),
        "pointer.gguf": (b"version https://git-lfs.github.com/spec/v1\noid sha256:abc\n",
                         "pointer.gguf is a Git LFS pointer, not the model itself. Download the real "
                         "file (e.g. from the model page's download link)."),
        "empty.gguf": (b"", "empty.gguf is empty (0 bytes): the download did not finish. Download it again."),
        "model.safetensors": (b"\x10\x00\x00\x00\x00\x00\x00\x00{\"__metadata__\":{}}",
                              "model.safetensors is a safetensors checkpoint, not a GGUF file. "
                              "Download the GGUF version of this model."),
    }
    for name, (content, message) in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(NotGGUFError) as err:
            read_model(tmp_path / name)
        assert str(err.value) == message


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match=r"^nope.gguf does not exist \(looked in "):
        read_model(tmp_path / "nope.gguf")
    with pytest.raises(NotGGUFError, match="is a folder, not a model file"):
        read_model(tmp_path)


def test_truncated_in_tensor_data(tiny: Path, tmp_path: Path) -> None:
    data = tiny.read_bytes()
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(data[: len(data) - 10_000])
    with pytest.raises(TruncatedFileError) as err:
        read_model(cut)
    size = len(data) - 10_000
    assert str(err.value) == (
        f"cut.gguf is truncated: it is {size:,} bytes but its tensors need "
        f"{len(data):,} bytes (10,000 bytes missing). The download did not finish: "
        "download it again."
    )


def test_truncated_in_header(tiny: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(tiny.read_bytes()[:3000])
    with pytest.raises(TruncatedFileError, match=r"^cut.gguf is truncated: it ends inside its "
                       r"header \(while reading .* at byte [\d,]+ of 3,000\). Download it again.$"):
        read_model(cut)


def test_raw_byte_split_asks_to_join(tmp_path: Path) -> None:
    piece = tmp_path / "DeepSeek-R1-Q4_K_M.gguf.part1of3"
    piece.write_bytes(b"GGUF" + b"\0" * 100)
    with pytest.raises(ByteSplitError) as err:
        read_model(piece)
    assert str(err.value) == (
        "DeepSeek-R1-Q4_K_M.gguf.part1of3 is piece 1 of 3 of a file cut into raw byte pieces, "
        "which llama.cpp cannot load. Join the pieces into one file first: `cat "
        "DeepSeek-R1-Q4_K_M.gguf.part1of3 DeepSeek-R1-Q4_K_M.gguf.part2of3 "
        "DeepSeek-R1-Q4_K_M.gguf.part3of3 > DeepSeek-R1-Q4_K_M.gguf` (Windows: `copy /b` with "
        "the pieces joined by +), then open DeepSeek-R1-Q4_K_M.gguf."
    )


def test_unknown_architecture(tmp_path: Path) -> None:
    path = write_raw_gguf(tmp_path / "odd.gguf", {"general.architecture": "frobnicator"},
                          [("token_embd.weight", (32, 8), 0)])
    with pytest.raises(UnsupportedArchitectureError) as err:
        read_loadable(path)
    assert str(err.value) == (
        "odd.gguf holds a 'frobnicator' model, an architecture this version of llama.cpp cannot "
        "run. Update the app, or choose a DeepSeek GGUF."
    )
    # Without the support check the file itself reads fine.
    assert read_model(path).arch == "frobnicator"


def test_vision_projector_is_not_a_chat_model(tmp_path: Path) -> None:
    path = write_raw_gguf(tmp_path / "mmproj.gguf", {"general.architecture": "clip"},
                          [("v.patch_embd.weight", (32, 8), 0)])
    with pytest.raises(UnsupportedArchitectureError, match="is a vision projector"):
        read_loadable(path)


def test_ik_llama_quant_is_refused(tmp_path: Path) -> None:
    path = write_raw_gguf(
        tmp_path / "DeepSeek-R1-IQ2_KS.gguf",
        {"general.architecture": "deepseek2"},
        [("token_embd.weight", (256, 4), 12), ("blk.3.ffn_down_exps.weight", (256, 4, 8), 145)],
        tensor_bytes={"blk.3.ffn_down_exps.weight": 4096},
    )
    with pytest.raises(UnsupportedQuantError) as err:
        read_loadable(path)
    assert str(err.value) == (
        "DeepSeek-R1-IQ2_KS.gguf cannot be loaded: tensor blk.3.ffn_down_exps.weight uses quant "
        "type IQ2_KS, which exists only in ik_llama.cpp; pick a quant of this model made for "
        "mainline llama.cpp."
    )


def test_removed_quant_is_refused(tmp_path: Path) -> None:
    path = write_raw_gguf(tmp_path / "old.gguf", {"general.architecture": "llama"},
                          [("token_embd.weight", (256, 4), 31)], tensor_bytes={"token_embd.weight": 1024})
    with pytest.raises(UnsupportedQuantError, match="quant type Q4_0_4_4, which llama.cpp no longer supports"):
        read_loadable(path)


def test_mla_detection(tiny: Path, tmp_path: Path) -> None:
    assert uses_mla(read_model(tiny)) is True
    legacy = write_tiny_model(tmp_path / "legacy.gguf", TinyModelSpec(mla=False))
    assert uses_mla(read_model(legacy)) is False
    other = write_raw_gguf(tmp_path / "q.gguf", {"general.architecture": "qwen2"},
                           [("token_embd.weight", (32, 8), 0)])
    assert uses_mla(read_model(other)) is None


def test_fuzzed_files_never_crash(tiny: Path, tmp_path: Path) -> None:
    """Truncations and bit flips anywhere: the reader answers or refuses, it never crashes."""
    data = tiny.read_bytes()
    header_end = 40_000  # where the header (with its vocabulary) ends, roughly
    rng = random.Random(1234)
    target = tmp_path / "fuzz.gguf"
    outcomes = {"ok": 0, "refused": 0}
    for i in range(400):
        blob = bytearray(data)
        if i % 2:
            blob = blob[: rng.randrange(len(blob))]
        else:
            for _ in range(rng.randint(1, 8)):
                pos = rng.randrange(min(header_end, len(blob)))
                blob[pos] ^= 1 << rng.randrange(8)
        target.write_bytes(bytes(blob))
        try:
            read_model(target)
            outcomes["ok"] += 1
        except ModelFileError as exc:
            assert str(exc).isprintable() and len(str(exc)) < 600
            outcomes["refused"] += 1
    assert outcomes["refused"] > 200  # the fuzzing did reach the validation paths
