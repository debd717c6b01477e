"""The library: models from the manifest, the HF cache and user folders; verify; delete."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from backend.hub.catalog import load_catalog
from backend.hub.download_errors import AmbiguousModelError, FolderNotFoundError, ModelNotFoundError
from backend.hub.downloader import Downloader, FolderDestination, plan_download
from backend.hub.library import Library, ModelSource, ModelState
from backend.hub.manifest import Manifest
from backend.hub.transfer import RetryPolicy
from backend.retry import Backoff
from tests.support.fake_hub import FakeHub
from tests.support.hub_setup import (
    DISTILL_FILE,
    DISTILL_REPO,
    R1_QUANT,
    R1_REPO,
    Samples,
    make_hub,
    make_manifest,
)

pytest_plugins = ["tests.support.hub_fixtures"]

FAST = RetryPolicy(Backoff(attempts=3, base_delay_s=0.01), stall_timeout_s=1.0)
NAME = f"DeepSeek-R1-{R1_QUANT}"


def library_for(tmp: Path, manifest: Manifest | None = None) -> Library:
    return Library(manifest or make_manifest(tmp), tmp / "app-home" / "data" / "folders.json",
                   cache_dir=tmp / "hf-cache")


@pytest.fixture
def downloaded(fake_hub: FakeHub, samples: Samples, hf_env: Path) -> Library:
    fake_hub.add_repo(R1_REPO, samples.r1_files())
    hub = make_hub(fake_hub, hf_env)
    manifest = make_manifest(hf_env)
    plan = plan_download(hub, R1_REPO, quant=R1_QUANT, catalog=load_catalog())
    assert Downloader(hub, manifest, policy=FAST).run(plan).completed
    return library_for(hf_env, manifest)


def test_a_downloaded_model_is_listed_verified_and_loadable(
    downloaded: Library, samples: Samples
) -> None:
    [model] = downloaded.models()
    assert (model.name, model.source, model.state, model.repo, model.quant) == (
        NAME,
        ModelSource.DOWNLOAD,
        ModelState.VERIFIED,
        R1_REPO,
        R1_QUANT,
    )
    assert model.loadable
    assert model.path.name == samples.split_parts[0].name
    assert model.size_bytes == sum(p.stat().st_size for p in samples.split_parts)


def test_verify_finds_a_changed_byte_and_a_new_download_repairs_it(
    downloaded: Library, fake_hub: FakeHub, samples: Samples, hf_env: Path
) -> None:
    [model] = downloaded.models()
    target = model.files[2].resolve()
    data = bytearray(target.read_bytes())
    data[999] ^= 0x01
    target.write_bytes(data)

    report = downloaded.verify(model)
    expected = hashlib.sha256(samples.split_parts[2].read_bytes()).hexdigest()
    got = hashlib.sha256(data).hexdigest()
    assert not report.ok
    assert report.message == (
        f"{NAME} failed verification: Checksum mismatch for {samples.split_parts[2].name} "
        f"(expected {expected[:12]}…, got {got[:12]}…). Download it again to repair it."
    )
    [damaged] = downloaded.models()
    assert damaged.state is ModelState.DAMAGED and not damaged.loadable

    hub = make_hub(fake_hub, hf_env)
    plan = plan_download(hub, R1_REPO, quant=R1_QUANT, catalog=load_catalog())
    assert Downloader(hub, downloaded.manifest, policy=FAST).run(plan).completed
    [repaired] = downloaded.models()
    assert repaired.state is ModelState.VERIFIED
    assert downloaded.verify(repaired).message == f"{NAME}: all 3 files verified."


def test_a_model_cached_by_another_tool_is_found_then_verified_into_the_manifest(
    fake_hub: FakeHub, samples: Samples, hf_env: Path
) -> None:
    from huggingface_hub import hf_hub_download

    fake_hub.add_repo(DISTILL_REPO, {DISTILL_FILE: samples.single})
    path = hf_hub_download(
        DISTILL_REPO, DISTILL_FILE, cache_dir=hf_env / "hf-cache", endpoint=fake_hub.endpoint
    )
    library = library_for(hf_env)
    [model] = library.models()
    assert (model.name, model.source, model.state) == (
        "DeepSeek-R1-Distill-Qwen-7B-Q4_K_M",
        ModelSource.HF_CACHE,
        ModelState.UNVERIFIED,
    )
    assert model.path == Path(path) and not model.loadable

    report = library.verify(model)
    assert (
        report.ok and report.message == "DeepSeek-R1-Distill-Qwen-7B-Q4_K_M: all 1 files verified."
    )
    [now] = library.models()
    assert (now.source, now.state, now.repo) == (
        ModelSource.DOWNLOAD,
        ModelState.VERIFIED,
        DISTILL_REPO,
    )
    assert now.loadable


def test_folder_models_are_used_in_place_and_incomplete_sets_named(
    hf_env: Path, samples: Samples
) -> None:
    folder = hf_env / "my-models"
    (folder / "r1").mkdir(parents=True)
    for part in (samples.split_parts[0], samples.split_parts[2]):  # part 2 missing
        shutil.copy(part, folder / "r1" / part.name)
    shutil.copy(samples.single, folder / DISTILL_FILE)
    (folder / "big.gguf.part1of2").write_bytes(b"x")
    library = library_for(hf_env)
    assert library.add_folder(folder) == folder.resolve()

    models = {m.name: m for m in library.models()}
    assert set(models) == {NAME, "DeepSeek-R1-Distill-Qwen-7B-Q4_K_M", "big"}
    r1 = models[NAME]
    assert (r1.source, r1.state, r1.missing) == (
        ModelSource.FOLDER,
        ModelState.INCOMPLETE,
        (f"{NAME}-00002-of-00003.gguf",),
    )
    assert r1.note == f"1 of 3 parts missing: {NAME}-00002-of-00003.gguf"
    assert not r1.loadable
    single = models["DeepSeek-R1-Distill-Qwen-7B-Q4_K_M"]
    assert single.path == folder.resolve() / DISTILL_FILE  # by reference: nothing copied
    assert single.state is ModelState.UNVERIFIED and single.loadable
    assert (
        models["big"].note
        == "raw byte split: join the parts with `cat` into one .gguf before loading"
    )

    report = library.verify(single)
    assert report.ok and report.message == (
        "DeepSeek-R1-Distill-Qwen-7B-Q4_K_M: all 1 files are present. Files added from a folder "
        "have no reference checksum, so their content could not be checked."
    )
    assert library.verify(r1).message == (
        f"{NAME} failed verification: {NAME}-00002-of-00003.gguf is missing. Download it again "
        "to repair it."
    )


def test_adding_a_missing_folder_is_refused(hf_env: Path) -> None:
    with pytest.raises(FolderNotFoundError) as caught:
        library_for(hf_env).add_folder(hf_env / "nowhere")
    assert (
        str(caught.value)
        == f"{hf_env / 'nowhere'} is not a folder. Choose a folder that holds GGUF files."
    )


def test_find_by_name_path_and_the_ambiguous_case(
    downloaded: Library, hf_env: Path, samples: Samples
) -> None:
    [model] = downloaded.models()
    assert downloaded.find(NAME.lower()) == model
    assert downloaded.find(str(model.files[1])) == model
    with pytest.raises(ModelNotFoundError) as missing:
        downloaded.find("DeepSeek-V9")
    assert str(missing.value) == (
        "No installed model matches 'DeepSeek-V9'. Run `models list` to see names, or give the "
        "path of a model file."
    )
    folder = hf_env / "copies"
    folder.mkdir()
    for part in samples.split_parts:
        shutil.copy(part, folder / part.name)
    downloaded.add_folder(folder)
    with pytest.raises(AmbiguousModelError) as ambiguous:
        downloaded.find(NAME)
    assert str(ambiguous.value) == (
        f"2 installed models are named '{NAME}': {model.path} (download); "
        f"{folder.resolve() / samples.split_parts[0].name} (folder). Give the path of the one "
        "you mean."
    )


def test_delete_frees_the_disk_and_forgets_the_model(
    downloaded: Library, hf_env: Path, samples: Samples
) -> None:
    [model] = downloaded.models()
    freed = downloaded.delete(model)
    assert freed == sum(p.stat().st_size for p in samples.split_parts)
    assert downloaded.models() == []
    assert downloaded.manifest.entries() == ()
    assert not (hf_env / "hf-cache" / "models--unsloth--DeepSeek-R1-GGUF").exists()


def test_delete_a_folder_download(fake_hub: FakeHub, samples: Samples, hf_env: Path) -> None:
    fake_hub.add_repo(DISTILL_REPO, {DISTILL_FILE: samples.single})
    hub = make_hub(fake_hub, hf_env)
    manifest = make_manifest(hf_env)
    plan = plan_download(
        hub, DISTILL_REPO, paths=[DISTILL_FILE], destination=FolderDestination(hf_env / "dl")
    )
    Downloader(hub, manifest, policy=FAST).run(plan)
    library = library_for(hf_env, manifest)
    [model] = library.models()
    assert model.source is ModelSource.DOWNLOAD and model.path == hf_env / "dl" / DISTILL_FILE
    assert library.delete(model) == samples.single.stat().st_size
    assert not (hf_env / "dl" / DISTILL_FILE).exists()
    assert library.models() == []
