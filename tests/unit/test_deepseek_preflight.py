"""V3.2/V4 files that would kill the process inside llama.cpp (SIGFPE, SIGABRT) are refused with a
message before llama.cpp sees them; V4.1 is named and sent to a newer llama.cpp; numbered raw
byte splits (`.gguf.part00`) are recognised."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.engine.preflight import inspect_loadable, read_loadable
from backend.errors import ByteSplitError, ModelFileError, UnsupportedArchitectureError
from backend.gguf.reader import read_model
from tests.support.tiny_deepseek import V32Spec, v4_spec, write_v4_model, write_v32_model

CRASH = ". llama.cpp would crash on it, so it was not loaded. The file was converted wrongly or " \
        "edited: download another conversion."


def test_good_v32_and_v4_files_pass(v32_model: Path, v4_model: Path) -> None:
    assert inspect_loadable(v32_model).family.label == "DeepSeek-V3.2"
    info = inspect_loadable(v4_model)
    assert (info.family.label, info.layout.compress_ratios) == ("DeepSeek-V4-Flash", (0, 4, 128, 4))


@pytest.mark.parametrize(("changes", "problem"), [
    ({"compress_ratios": (0, 4, 4, 4)},
     "its layers need both compress ratios 4 and 128, but it has only [0, 4]"),
    ({"compress_ratios": (0, 128, 128, 0)},
     "its layers need both compress ratios 4 and 128, but it has only [0, 128]"),
    ({"compress_ratios": (0, 0, 0, 0)},
     "its layers need both compress ratios 4 and 128, but it has only [0]"),
    ({"hc": 2}, "it has 2 hyper-connections, not 4"),
    ({"idx_head": 96}, "its lightning indexer's key length is 96, not a multiple of 64"),
    ({"idx_head": 32}, "its lightning indexer's key length is 32, not a multiple of 64"),
], ids=["no-128", "no-4", "all-0", "hc2", "indexer-96", "indexer-32"])
def test_v4_shapes_that_crash_llama_cpp_are_refused(
        tmp_path: Path, changes: dict[str, object], problem: str) -> None:
    path = write_v4_model(tmp_path / "bad.gguf", v4_spec(**changes))
    with pytest.raises(ModelFileError) as err:
        inspect_loadable(path)
    assert str(err.value) == f"bad.gguf cannot be run: {problem}{CRASH}"


def test_v4_ratios_other_than_0_4_128_are_refused(tmp_path: Path) -> None:
    path = write_v4_model(tmp_path / "odd.gguf", v4_spec(compress_ratios=(0, 4, 128, 8)))
    with pytest.raises(ModelFileError) as err:
        read_loadable(path)
    assert str(err.value) == (
        f"odd.gguf cannot be run: its attention compress ratios [0, 4, 8, 128] are not all 0, 4 "
        f"or 128{CRASH}")


@pytest.mark.parametrize("idx_head", [192, 32])
def test_v32_indexer_keys_that_are_not_a_power_of_two_are_refused(
        tmp_path: Path, idx_head: int) -> None:
    path = write_v32_model(tmp_path / "v32.gguf", V32Spec(idx_head=idx_head))
    with pytest.raises(ModelFileError) as err:
        read_loadable(path)
    assert str(err.value) == (
        f"v32.gguf cannot be run: its lightning indexer's key length is {idx_head}, not a power "
        f"of two of at least 64{CRASH}")


def test_v41_is_named_and_needs_a_newer_llama_cpp(tmp_path: Path) -> None:
    from tests.support.raw_gguf import write_raw_gguf

    path = write_raw_gguf(
        tmp_path / "DeepSeek-V4.1-Flash-UD-Q2_K_XL-00001-of-00001.gguf",
        {"general.architecture": "deepseek41", "general.name": "DeepSeek V4.1 Flash 1017"},
        [("token_embd.weight", (32, 8), 0)])
    model = read_model(path)  # the header reads: inspect can show it
    assert model.arch == "deepseek41"
    with pytest.raises(UnsupportedArchitectureError) as err:
        inspect_loadable(path)
    message = str(err.value)
    assert message.startswith(
        f"{path.name} holds DeepSeek-V4.1-Flash-1017 (architecture 'deepseek41'), a DeepSeek "
        "model newer than the llama.cpp inside this app (llama-cpp-python ")
    assert message.endswith(") can run. It needs a newer llama.cpp: update the app once a "
                            "version with DeepSeek-V4.1-Flash-1017 support is out, or choose a "
                            "DeepSeek-V4-Flash file meanwhile.")


def test_numbered_raw_byte_splits_are_recognised_with_the_cat_command(tmp_path: Path) -> None:
    for i in range(3):
        (tmp_path / f"DeepSeek-V4-Flash-Q2_K.gguf.part{i:02d}").write_bytes(b"GGUF" + b"\0" * 64)
    with pytest.raises(ByteSplitError) as err:
        read_model(tmp_path / "DeepSeek-V4-Flash-Q2_K.gguf.part01")
    assert str(err.value) == (
        "DeepSeek-V4-Flash-Q2_K.gguf.part01 is piece 2 of 3 of a file cut into raw byte pieces, "
        "which llama.cpp cannot load. Join the pieces into one file first: `cat "
        "DeepSeek-V4-Flash-Q2_K.gguf.part00 DeepSeek-V4-Flash-Q2_K.gguf.part01 "
        "DeepSeek-V4-Flash-Q2_K.gguf.part02 > DeepSeek-V4-Flash-Q2_K.gguf` (Windows: `copy /b` "
        "with the pieces joined by +), then open DeepSeek-V4-Flash-Q2_K.gguf."
    )
