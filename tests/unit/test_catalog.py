"""The catalog: the shipped JSON's content, quant matching on real repo layouts, live resolution."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from backend.chat.family import ModelFamily, ThinkingMode
from backend.hub.catalog import (
    Catalog,
    CatalogError,
    CatalogOption,
    FitVerdict,
    available_quants,
    guess_quant_files,
    load_catalog,
    quant_files,
    resolve_catalog,
)
from backend.hub.client import RemoteFile, RepoSnapshot
from backend.hub.download_errors import (
    HubAccessError,
    HubUnreachableError,
    QuantNotFoundError,
    RemoteSplitSetIncompleteError,
)

COMMIT = "a" * 40


def snapshot(repo: str, *paths: str) -> RepoSnapshot:
    files = tuple(RemoteFile(p, 1000 + i, f"{i:064x}", None) for i, p in enumerate(paths))
    return RepoSnapshot(repo, "main", COMMIT, files)


def split(folder: str, stem: str, count: int) -> list[str]:
    return [f"{folder}/{stem}-{i:05d}-of-{count:05d}.gguf" for i in range(1, count + 1)]


class FakeHub:
    """Snapshots by repo; a repo mapped to an exception raises it (like the hub refusing)."""

    def __init__(self, repos: dict[str, RepoSnapshot | Exception]) -> None:
        self.repos = repos

    def snapshot(self, repo: str, revision: str = "main") -> RepoSnapshot:
        found = self.repos.get(repo)
        if isinstance(found, Exception):
            raise found
        return found or RepoSnapshot(repo, revision, COMMIT, ())


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def test_the_catalog_covers_the_deepseek_checkpoints(catalog: Catalog) -> None:
    assert [m.repo for m in catalog.models] == [
        "unsloth/DeepSeek-R1-GGUF",
        "unsloth/DeepSeek-R1-0528-GGUF",
        "unsloth/DeepSeek-V3-GGUF",
        "unsloth/DeepSeek-V3-0324-GGUF",
        "unsloth/DeepSeek-V3.1-GGUF",
        "unsloth/DeepSeek-V3.1-Terminus-GGUF",
        "unsloth/DeepSeek-V3.2-GGUF",
        "unsloth/DeepSeek-V3.2-Speciale-GGUF",
        "unsloth/DeepSeek-V4-Flash-GGUF",
        "unsloth/DeepSeek-V4-Flash-0731-GGUF",
        "unsloth/DeepSeek-V4-Pro-0813-GGUF",
        "unsloth/DeepSeek-V4.1-Flash-1017-GGUF",
        "unsloth/DeepSeek-R1-Distill-Qwen-1.5B-GGUF",
        "unsloth/DeepSeek-R1-Distill-Qwen-7B-GGUF",
        "unsloth/DeepSeek-R1-Distill-Llama-8B-GGUF",
        "unsloth/DeepSeek-R1-Distill-Qwen-14B-GGUF",
        "unsloth/DeepSeek-R1-Distill-Qwen-32B-GGUF",
        "unsloth/DeepSeek-R1-Distill-Llama-70B-GGUF",
    ]
    modes = {m.id: (m.family, m.thinking) for m in catalog.models}
    assert modes["deepseek-r1"] == modes["deepseek-r1-0528"] == ("deepseek-r1", ThinkingMode.ALWAYS)
    assert modes["deepseek-v3"] == modes["deepseek-v3-0324"] == ("deepseek-v3", ThinkingMode.NEVER)
    assert (
        modes["deepseek-v3.1"]
        == modes["deepseek-v3.1-terminus"]
        == ("deepseek-v3.1", ThinkingMode.HYBRID)
    )
    distills = [m for m in catalog.models if m.family == "deepseek-r1-distill"]
    assert len(distills) == 6 and all(m.thinking is ThinkingMode.ALWAYS for m in distills)
    assert modes["deepseek-v3.2"] == ("deepseek-v3.2", ThinkingMode.HYBRID)
    assert modes["deepseek-v3.2-speciale"] == ("deepseek-v3.2", ThinkingMode.ALWAYS)
    v4 = [m for m in catalog.models if m.family is ModelFamily.V4]
    assert [m.name for m in v4] == ["DeepSeek-V4-Flash", "DeepSeek-V4-Flash-0731",
                                    "DeepSeek-V4-Pro-0813", "DeepSeek-V4.1-Flash"]
    assert all(m.thinking is ThinkingMode.HYBRID for m in v4)


def test_new_generations_carry_deepseeks_sampling_licences_and_chinese_text(
        catalog: Catalog) -> None:
    by_id = {m.id: m for m in catalog.models}
    for model_id in ("deepseek-v3.2", "deepseek-v3.2-speciale"):
        sampling = by_id[model_id].sampling
        assert (sampling.temperature, sampling.top_p) == (1.0, 0.95)
    for model_id in ("deepseek-v4-flash", "deepseek-v4-flash-0731", "deepseek-v4-pro-0813"):
        sampling = by_id[model_id].sampling
        assert (sampling.temperature, sampling.top_p) == (1.0, 1.0)
    for model in catalog.models[6:12]:
        assert model.license == "MIT" and model.license_note
        assert {field for lang, field, _ in model.localized if lang == "zh_CN"} == {
            "parameters", "license", "license_note", "description"}
        assert model.approx_sizes and {q.quant for q in model.quants} == {
            q for q, _ in model.approx_sizes}
    assert by_id["deepseek-v4-flash"].approx_size("UD-Q4_K_XL") == 155 * 10**9
    assert by_id["deepseek-v4.1-flash"].architecture == "deepseek41"
    assert not by_id["deepseek-v4.1-flash"].runnable() and by_id["deepseek-v4-flash"].runnable()


def test_recommended_sampling_and_licences(catalog: Catalog) -> None:
    by_id = {m.id: m for m in catalog.models}
    assert (by_id["deepseek-r1"].sampling.temperature, by_id["deepseek-r1"].sampling.top_p) == (
        0.6,
        0.95,
    )
    v3 = by_id["deepseek-v3-0324"].sampling
    assert (v3.temperature, v3.top_p) == (0.3, 1.0)
    assert (by_id["deepseek-v3.1"].sampling.temperature, by_id["deepseek-v3.1"].sampling.top_p) == (
        0.6,
        0.95,
    )
    assert not by_id["deepseek-r1"].system_prompt
    assert by_id["deepseek-r1"].license == "MIT"
    assert by_id["deepseek-v3"].license == "DeepSeek Model License"
    assert "Apache-2.0" in by_id["deepseek-r1-distill-qwen-7b"].license_note
    assert "Llama 3.3" in by_id["deepseek-r1-distill-llama-70b"].license_note
    assert all(m.license_note for m in catalog.models)


def test_the_json_never_carries_live_sizes_or_hashes_only_named_approximations() -> None:
    text = resources.files("resources").joinpath("catalog.json").read_text("utf-8")

    def keys(node: object) -> set[str]:
        if isinstance(node, dict):
            return set(node) | {k for v in node.values() for k in keys(v)}
        if isinstance(node, list):
            return {k for v in node for k in keys(v)}
        return set()

    assert not keys(json.loads(text)) & {
        "size",
        "sizes",
        "sha256",
        "bytes",
        "total_bytes",
        "revision",
        "commit",
    }
    # Every quant of every model has an approximate size for when the hub is out of reach.
    for model in load_catalog().models:
        assert all(model.approx_size(q.quant) for q in model.quants), model.id


def test_big_models_offer_the_dynamic_quants(catalog: Catalog) -> None:
    for model in catalog.models[:6]:
        quants = [q.quant for q in model.quants]
        assert "Q4_K_M" in quants and "Q8_0" in quants, model.id
        if model.id != "deepseek-v3":  # V3 predates unsloth's dynamic quants
            assert quants[:4] == ["UD-IQ1_S", "UD-IQ1_M", "UD-IQ2_XXS", "UD-Q2_K_XL"], model.id


def test_quant_files_follow_each_repo_layout(catalog: Catalog) -> None:
    r1 = snapshot(
        "unsloth/DeepSeek-R1-GGUF",
        *split("DeepSeek-R1-UD-IQ1_S", "DeepSeek-R1-UD-IQ1_S", 3),
        *split("DeepSeek-R1-Q8_0", "DeepSeek-R1.Q8_0", 15),
        "README.md",
    )
    files = quant_files(r1, "UD-IQ1_S", catalog)
    assert [f.path for f in files] == split("DeepSeek-R1-UD-IQ1_S", "DeepSeek-R1-UD-IQ1_S", 3)
    assert len(quant_files(r1, "q8_0", catalog)) == 15
    v31 = snapshot(
        "unsloth/DeepSeek-V3.1-GGUF", *split("UD-Q2_K_XL", "DeepSeek-V3.1-UD-Q2_K_XL", 6)
    )
    assert len(quant_files(v31, "UD-Q2_K_XL", catalog)) == 6
    llama70 = snapshot(
        "unsloth/DeepSeek-R1-Distill-Llama-70B-GGUF",
        "DeepSeek-R1-Distill-Llama-70B-Q4_K_M.gguf",
        *split("DeepSeek-R1-Distill-Llama-70B-Q8_0", "DeepSeek-R1-Distill-Llama-70B-Q8_0", 2),
    )
    assert [f.path for f in quant_files(llama70, "Q4_K_M", catalog)] == [
        "DeepSeek-R1-Distill-Llama-70B-Q4_K_M.gguf"
    ]
    assert len(quant_files(llama70, "Q8_0", catalog)) == 2


def test_a_missing_quant_lists_the_ones_there(catalog: Catalog) -> None:
    r1 = snapshot(
        "unsloth/DeepSeek-R1-GGUF", *split("DeepSeek-R1-UD-IQ1_S", "DeepSeek-R1-UD-IQ1_S", 3)
    )
    with pytest.raises(QuantNotFoundError) as caught:
        quant_files(r1, "Q4_K_M", catalog)
    assert str(caught.value) == (
        f"No Q4_K_M files in unsloth/DeepSeek-R1-GGUF at revision {COMMIT[:12]}. Quants "
        "there: UD-IQ1_S."
    )


def test_an_incomplete_split_set_on_the_hub_is_refused(catalog: Catalog) -> None:
    parts = split("UD-IQ1_S", "DeepSeek-V3-0324-UD-IQ1_S", 3)
    v3 = snapshot("unsloth/DeepSeek-V3-0324-GGUF", parts[0], parts[1])
    with pytest.raises(RemoteSplitSetIncompleteError) as caught:
        quant_files(v3, "UD-IQ1_S", catalog)
    assert str(caught.value) == (
        "The hub has an incomplete split set DeepSeek-V3-0324-UD-IQ1_S in "
        f"unsloth/DeepSeek-V3-0324-GGUF at revision {COMMIT[:12]}: "
        "DeepSeek-V3-0324-UD-IQ1_S-00003-of-00003.gguf missing. It could not be loaded; choose "
        "another quant or revision."
    )


def test_repos_outside_the_catalog_are_matched_by_folder_or_name() -> None:
    bartowski = snapshot(
        "bartowski/DeepSeek-R1-Distill-Qwen-32B-GGUF",
        "DeepSeek-R1-Distill-Qwen-32B-Q4_K_M.gguf",
        "DeepSeek-R1-Distill-Qwen-32B-Q4_K_L.gguf",
        *split("DeepSeek-R1-Distill-Qwen-32B-f16", "DeepSeek-R1-Distill-Qwen-32B-f16", 2),
    )
    assert [f.path for f in guess_quant_files(bartowski.files, "Q4_K_M")] == [
        "DeepSeek-R1-Distill-Qwen-32B-Q4_K_M.gguf"
    ]
    assert len(guess_quant_files(bartowski.files, "F16")) == 2
    assert available_quants(bartowski) == [
        "DeepSeek-R1-Distill-Qwen-32B-Q4_K_L",
        "DeepSeek-R1-Distill-Qwen-32B-Q4_K_M",
        "DeepSeek-R1-Distill-Qwen-32B-f16",
    ]


def test_resolve_catalog_reads_live_files_and_keeps_refusals_as_problems(catalog: Catalog) -> None:
    parts = split("DeepSeek-R1-UD-IQ1_S", "DeepSeek-R1-UD-IQ1_S", 3)
    refused = HubAccessError("unsloth/DeepSeek-R1-0528-GGUF is gated (test).")
    hub = FakeHub(
        {
            "unsloth/DeepSeek-R1-GGUF": snapshot("unsloth/DeepSeek-R1-GGUF", *parts),
            "unsloth/DeepSeek-R1-0528-GGUF": refused,
        }
    )
    options = resolve_catalog(catalog, hub, models=catalog.models[:2])
    assert [(o.repo, o.quant) for o in options][:2] == [
        ("unsloth/DeepSeek-R1-GGUF", "UD-IQ1_S"),
        ("unsloth/DeepSeek-R1-GGUF", "UD-IQ1_M"),
    ]
    first = options[0]
    assert first.available and first.commit == COMMIT
    assert first.total_bytes == 1000 + 1001 + 1002
    assert (first.family, first.thinking, first.verdict) == (
        ModelFamily.R1,
        ThinkingMode.ALWAYS,
        None,
    )
    assert options[1].problem == f"not on the hub at revision {COMMIT[:12]}"
    refused_options = [o for o in options if o.repo == "unsloth/DeepSeek-R1-0528-GGUF"]
    assert len(refused_options) == 6
    assert all(o.problem == str(refused) and o.total_bytes is None for o in refused_options)


def test_a_verdict_function_is_attached_and_orders_the_options(catalog: Catalog) -> None:
    hub = FakeHub(
        {
            "unsloth/DeepSeek-R1-GGUF": snapshot(
                "unsloth/DeepSeek-R1-GGUF",
                *split("DeepSeek-R1-UD-IQ1_S", "DeepSeek-R1-UD-IQ1_S", 3),
                *split("DeepSeek-R1-Q4_K_M", "DeepSeek-R1-Q4_K_M", 9),
            )
        }
    )

    def by_size(option: CatalogOption) -> FitVerdict:  # a stand-in for the planner's verdict
        return FitVerdict(f"{len(option.files)} files", -float(option.total_bytes or 0))

    options = resolve_catalog(catalog, hub, verdict=by_size, models=catalog.models[:1])
    assert [(o.quant, o.verdict.text if o.verdict else None) for o in options] == [
        ("Q4_K_M", "9 files"),
        ("UD-IQ1_S", "3 files"),
        ("UD-IQ1_M", None),
        ("UD-IQ2_XXS", None),
        ("UD-Q2_K_XL", None),
        ("Q8_0", None),
    ]


def test_offline_the_catalog_shows_approximate_sizes_and_still_judges_the_fit(
        catalog: Catalog) -> None:
    offline = HubUnreachableError("Cannot reach huggingface.co (test).")
    hub = FakeHub({m.repo: offline for m in catalog.models})

    def by_size(option: CatalogOption) -> FitVerdict:
        return FitVerdict(f"{option.total_bytes}", -float(option.total_bytes or 0))

    options = resolve_catalog(catalog, hub, verdict=by_size)
    flash = next(o for o in options if o.model.id == "deepseek-v4-flash" and o.quant == "UD-Q4_K_XL")
    assert flash.approximate and not flash.available and flash.commit is None
    assert flash.total_bytes == 155 * 10**9 and flash.verdict is not None
    assert flash.problem == "Cannot reach huggingface.co (test)."
    v41 = [o for o in options if o.model.id == "deepseek-v4.1-flash"]
    assert v41 and all(o.verdict is None for o in v41)
    assert v41[0].problem is not None and v41[0].problem.startswith(
        "needs a newer llama.cpp: the one in this app (llama-cpp-python ")
    assert v41[0].problem.endswith(") cannot run deepseek41 models yet")
    # A repo the hub answers for is sized live, and one it refuses has no estimate.
    live = FakeHub({"unsloth/DeepSeek-V4-Flash-GGUF": snapshot(
        "unsloth/DeepSeek-V4-Flash-GGUF", *split("UD-Q4_K_XL", "DeepSeek-V4-Flash-UD-Q4_K_XL", 4))})
    resolved = resolve_catalog(catalog, live, models=[catalog.by_repo(
        "unsloth/DeepSeek-V4-Flash-GGUF")])  # type: ignore[list-item]
    q4 = next(o for o in resolved if o.quant == "UD-Q4_K_XL")
    assert q4.available and not q4.approximate and q4.total_bytes == 1000 + 1001 + 1002 + 1003
    gated = resolve_catalog(catalog, FakeHub({"unsloth/DeepSeek-R1-GGUF": HubAccessError("x")}),
                            models=catalog.models[:1])
    assert all(o.total_bytes is None for o in gated)


def test_a_broken_catalog_file_says_what_to_fix(tmp_path: Path) -> None:
    raw = json.loads(resources.files("resources").joinpath("catalog.json").read_text("utf-8"))
    raw["models"][2]["thinking"] = "sometimes"
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert str(caught.value) == (
        f"The model catalog {path} is invalid: models[2].thinking must be one of always, never, "
        "hybrid (got 'sometimes'). Fix the file or reinstall the app."
    )
