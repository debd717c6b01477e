"""Downloads against a fake hub on 127.0.0.1: verified placement, resume, retries, and every error
the user can meet, each with its exact message."""

from __future__ import annotations

import hashlib
import shutil
import threading
from collections import namedtuple
from collections.abc import Callable
from pathlib import Path

import pytest

from backend.hub import hf_cache
from backend.hub.catalog import load_catalog
from backend.hub.client import Hub, HubConfig
from backend.hub.download_errors import (
    ChecksumMismatchError,
    DiskFullError,
    HubAccessError,
    HubOfflineError,
    HubUnreachableError,
    InsufficientDiskSpaceError,
    RemoteFileNotFoundError,
    RepoNotFoundError,
)
from backend.hub.downloader import Downloader, DownloadPlan, FolderDestination, plan_download
from backend.hub.manifest import Manifest
from backend.hub.transfer import RetryPolicy
from backend.hub.transfer_events import (
    DownloadControl,
    DownloadEvent,
    DownloadOutcome,
    DownloadProgress,
    FileVerified,
    JobFinished,
    Paused,
    Resumed,
    Retrying,
    Verifying,
)
from backend.retry import Backoff
from backend.units import format_bytes
from tests.support.download_setup import FullDisk
from tests.support.fake_hub import FakeHub, Fault
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

FAST = RetryPolicy(Backoff(attempts=4, base_delay_s=0.01, max_delay_s=0.05),
                   stall_timeout_s=0.5)
PART2 = f"DeepSeek-R1-{R1_QUANT}/DeepSeek-R1-{R1_QUANT}-00002-of-00003.gguf"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Recorder:
    """Keeps every event; `then` sees each one after it is kept (to pause or cancel on cue)."""

    def __init__(self, then: Callable[[DownloadEvent], None] | None = None) -> None:
        self.events: list[DownloadEvent] = []
        self.then = then

    def __call__(self, event: DownloadEvent) -> None:
        self.events.append(event)
        if self.then is not None:
            self.then(event)

    def of(self, kind: type) -> list:  # type: ignore[type-arg]
        return [e for e in self.events if isinstance(e, kind)]


Setup = namedtuple("Setup", "fake hub manifest downloader commit tmp")


@pytest.fixture
def r1(fake_hub: FakeHub, samples: Samples, hf_env: Path) -> Setup:
    repo = fake_hub.add_repo(R1_REPO, {**samples.r1_files(), "README.md": samples.readme})
    repo.files["README.md"].lfs = False
    hub = make_hub(fake_hub, hf_env)
    manifest = make_manifest(hf_env)
    return Setup(
        fake_hub, hub, manifest, Downloader(hub, manifest, policy=FAST), repo.commit, hf_env
    )


def r1_plan(s: Setup, **kwargs: object) -> DownloadPlan:
    return plan_download(s.hub, R1_REPO, quant=R1_QUANT, catalog=load_catalog(), **kwargs)  # type: ignore[arg-type]


def test_split_set_lands_verified_in_the_hf_cache(r1: Setup, samples: Samples) -> None:
    events = Recorder()
    result = r1.downloader.run(r1_plan(r1), on_event=events)

    assert result.reason is DownloadOutcome.COMPLETED
    cache = r1.tmp / "hf-cache"
    repo_dir = cache / "models--unsloth--DeepSeek-R1-GGUF"
    assert (repo_dir / "refs" / "main").read_text() == r1.commit
    for part in samples.split_parts:
        link = repo_dir / "snapshots" / r1.commit / f"DeepSeek-R1-{R1_QUANT}" / part.name
        assert link.is_symlink()
        assert link.resolve() == repo_dir / "blobs" / sha256(part)
        assert link.read_bytes() == part.read_bytes()
    assert result.model_path == str(
        repo_dir / "snapshots" / r1.commit / f"DeepSeek-R1-{R1_QUANT}" / samples.split_parts[0].name
    )
    assert not list(repo_dir.glob("blobs/*.part*"))
    [entry] = r1.manifest.entries()
    assert (entry.name, entry.repo, entry.revision, entry.quant) == (
        f"DeepSeek-R1-{R1_QUANT}",
        R1_REPO,
        r1.commit,
        R1_QUANT,
    )
    assert [f.digest for f in entry.files] == [sha256(p) for p in samples.split_parts]
    assert [f.size for f in entry.files] == [p.stat().st_size for p in samples.split_parts]
    assert len(events.of(FileVerified)) == 3
    last = events.of(DownloadProgress)[-1]
    assert (last.done, last.total) == (
        result_total := sum(p.stat().st_size for p in samples.split_parts),
        result_total,
    )


def test_a_second_download_reuses_verified_files_without_a_request(r1: Setup) -> None:
    r1.downloader.run(r1_plan(r1))
    gets_before = len(r1.fake.gets())
    events = Recorder()
    result = r1.downloader.run(r1_plan(r1), on_event=events)
    assert result.completed
    assert len(r1.fake.gets()) == gets_before
    assert [e.reused for e in events.of(FileVerified)] == [True, True, True]


def test_other_tools_find_our_files_in_the_hf_cache(r1: Setup) -> None:
    from huggingface_hub import hf_hub_download

    r1.downloader.run(r1_plan(r1))
    path = hf_hub_download(R1_REPO, PART2, cache_dir=r1.tmp / "hf-cache", local_files_only=True)
    assert (
        Path(path)
        == r1.tmp
        / "hf-cache"
        / "models--unsloth--DeepSeek-R1-GGUF"
        / "snapshots"
        / r1.commit
        / PART2
    )


def test_a_connection_reset_mid_file_resumes_from_the_partial_bytes(
    r1: Setup, samples: Samples
) -> None:
    r1.fake.add_fault(Fault(PART2, "reset", after=700_000))
    events = Recorder()
    result = r1.downloader.run(r1_plan(r1), on_event=events)

    assert result.completed
    [retry] = events.of(Retrying)
    assert (retry.path, retry.attempt) == (PART2, 1)
    assert 0 < retry.resume_from <= 700_000  # what arrived before the reset, kept
    assert [g.range for g in r1.fake.gets(PART2)] == [None, f"bytes={retry.resume_from}-"]
    assert retry.reason == "the connection dropped"
    assert result.files[1].digest == sha256(samples.split_parts[1])


def test_a_stalled_connection_is_dropped_and_resumed(r1: Setup, samples: Samples) -> None:
    r1.fake.add_fault(Fault(PART2, "stall", after=500_000, seconds=30))
    events = Recorder()
    result = r1.downloader.run(r1_plan(r1), on_event=events)

    assert result.completed
    [retry] = events.of(Retrying)
    assert retry.reason == "no data arrived for 0.5 s (the connection stalled)"
    assert [g.range for g in r1.fake.gets(PART2)] == [None, "bytes=500000-"]
    assert result.files[1].digest == sha256(samples.split_parts[1])


def test_a_server_error_is_retried(r1: Setup) -> None:
    r1.fake.add_fault(Fault(PART2, "status", status=503))
    events = Recorder()
    assert r1.downloader.run(r1_plan(r1), on_event=events).completed
    assert [e.reason for e in events.of(Retrying)] == ["the server answered HTTP 503"]


def test_a_server_ignoring_range_restarts_the_file_cleanly(r1: Setup, samples: Samples) -> None:
    r1.fake.add_fault(Fault(PART2, "reset", after=400_000))
    r1.fake.add_fault(Fault(PART2, "ignore-range"))
    result = r1.downloader.run(r1_plan(r1))
    assert result.completed
    assert result.files[1].digest == sha256(samples.split_parts[1])


def test_retries_give_up_with_the_partial_file_kept(r1: Setup) -> None:
    r1.fake.add_fault(Fault(PART2, "reset", after=300_000))
    r1.fake.add_fault(Fault(PART2, "reset", after=300_000, times=10))
    with pytest.raises(HubUnreachableError) as caught:
        r1.downloader.run(r1_plan(r1))
    size = (
        (r1.tmp / "hf-cache").joinpath("models--unsloth--DeepSeek-R1-GGUF", "blobs").glob("*.part")
    )
    [part] = list(size)
    assert part.stat().st_size == 300_000
    total = r1.hub.snapshot(R1_REPO).file(PART2).size  # type: ignore[union-attr]
    assert str(caught.value) == (
        f"Downloading DeepSeek-R1-{R1_QUANT}-00002-of-00003.gguf from {R1_REPO} failed 4 times "
        f"in a row (the connection dropped). 300000 of {total} bytes are kept: check your "
        "connection and run the download again to resume."
    )


def test_a_cancelled_download_resumes_in_a_new_run(r1: Setup, samples: Samples) -> None:
    control = DownloadControl()
    seen: list[int] = []

    def cancel_midway(event: DownloadEvent) -> None:
        if isinstance(event, DownloadProgress) and event.path == PART2:
            seen.append(event.file_done)
            control.cancel()

    slow = Downloader(r1.hub, r1.manifest, policy=FAST)
    r1.fake.add_fault(Fault(PART2, "stall", after=600_000, seconds=30))  # keeps the cut predictable
    first = slow.run(r1_plan(r1), control, cancel_midway)
    assert first.reason is DownloadOutcome.CANCELLED
    [part] = list(
        (r1.tmp / "hf-cache" / "models--unsloth--DeepSeek-R1-GGUF" / "blobs").glob("*.part")
    )
    kept = part.stat().st_size
    assert 0 < kept < samples.split_parts[1].stat().st_size
    assert r1.manifest.entries() == ()

    events = Recorder()
    second = Downloader(r1.hub, r1.manifest, policy=FAST).run(r1_plan(r1), on_event=events)
    assert second.completed
    assert r1.fake.gets(PART2)[-1].range == f"bytes={kept}-"
    assert Verifying(PART2, kept) in events.events
    assert second.files[1].digest == sha256(samples.split_parts[1])


def test_pause_closes_the_connection_and_resume_continues_with_a_range(r1: Setup) -> None:
    control = DownloadControl()

    def pause_once(event: DownloadEvent) -> None:
        first = not control.paused and not any(isinstance(e, Paused) for e in events.events)
        if isinstance(event, DownloadProgress) and event.path == PART2 and first:
            control.pause()
            threading.Timer(0.2, control.resume).start()

    events = Recorder(then=pause_once)
    r1.fake.add_fault(Fault(PART2, "stall", after=800_000, seconds=0.3))
    result = Downloader(r1.hub, r1.manifest, policy=FAST).run(r1_plan(r1), control, events)
    assert result.completed
    assert events.of(Paused) == [Paused(PART2)] and events.of(Resumed) == [Resumed(PART2)]
    ranges = [g.range for g in r1.fake.gets(PART2)]
    assert ranges[0] is None and ranges[1] is not None and ranges[1].startswith("bytes=")


def test_cancel_can_discard_the_partial_files(r1: Setup) -> None:
    control = DownloadControl()

    def cancel(event: DownloadEvent) -> None:
        if isinstance(event, DownloadProgress) and event.path == PART2:
            control.cancel(discard_partial=True)

    r1.fake.add_fault(Fault(PART2, "stall", after=600_000, seconds=30))
    events = Recorder(then=cancel)
    result = r1.downloader.run(r1_plan(r1), control, events)
    assert result.reason is DownloadOutcome.CANCELLED and result.model_path is None
    assert isinstance(events.events[-1], JobFinished)
    assert not list((r1.tmp / "hf-cache").rglob("*.part"))


def test_a_tampered_file_is_rejected_removed_and_never_installed(
    r1: Setup, samples: Samples
) -> None:
    r1.fake.add_fault(Fault(PART2, "tamper", after=123_456))
    with pytest.raises(ChecksumMismatchError) as caught:
        r1.downloader.run(r1_plan(r1))

    tampered = bytearray(samples.split_parts[1].read_bytes())
    tampered[123_456] ^= 0xFF
    got = hashlib.sha256(tampered).hexdigest()
    expected = sha256(samples.split_parts[1])
    assert str(caught.value) == (
        f"Checksum mismatch for DeepSeek-R1-{R1_QUANT}-00002-of-00003.gguf (expected "
        f"{expected[:12]}…, got {got[:12]}…); the damaged file was removed. Download it again."
    )
    repo_dir = r1.tmp / "hf-cache" / "models--unsloth--DeepSeek-R1-GGUF"
    assert not (repo_dir / "blobs" / expected).exists()
    assert not list(repo_dir.glob("blobs/*.part"))
    assert not (repo_dir / "snapshots" / r1.commit / PART2).exists()
    assert r1.manifest.entries() == ()


def test_a_damaged_file_already_in_the_cache_is_replaced(r1: Setup, samples: Samples) -> None:
    r1.downloader.run(r1_plan(r1))
    blob = (
        r1.tmp
        / "hf-cache"
        / "models--unsloth--DeepSeek-R1-GGUF"
        / "blobs"
        / sha256(samples.split_parts[1])
    )
    data = bytearray(blob.read_bytes())
    data[10] ^= 1
    blob.write_bytes(data)
    fresh_manifest = Manifest(r1.tmp / "other-manifest.json")  # knows nothing: must re-hash
    result = Downloader(r1.hub, fresh_manifest, policy=FAST).run(r1_plan(r1))
    assert result.completed
    assert sha256(blob) == sha256(samples.split_parts[1])
    assert len(r1.fake.gets(PART2)) == 2


def test_gated_repo_without_token_asks_for_one(
    fake_hub: FakeHub, samples: Samples, hf_env: Path
) -> None:
    fake_hub.add_repo(R1_REPO, samples.r1_files(), gated=True)
    with pytest.raises(HubAccessError) as caught:
        plan_download(make_hub(fake_hub, hf_env), R1_REPO, quant=R1_QUANT)
    assert str(caught.value) == (
        f"{R1_REPO} is gated or private: the hub answered HTTP 401 because no token was sent. "
        f"Accept its terms on {fake_hub.endpoint}/{R1_REPO} while signed in, create a read token "
        f"at {fake_hub.endpoint}/settings/tokens, set HF_TOKEN to it, and try again."
    )


def test_gated_repo_with_a_token_lacking_access(
    fake_hub: FakeHub, samples: Samples, hf_env: Path
) -> None:
    fake_hub.add_repo(R1_REPO, samples.r1_files(), gated=True)
    with pytest.raises(HubAccessError) as caught:
        plan_download(make_hub(fake_hub, hf_env, token="hf_not_accepted"), R1_REPO, quant=R1_QUANT)
    assert str(caught.value) == (
        f"{R1_REPO} is gated and your Hugging Face token has no access to it (HTTP 403). Accept "
        f"the model's terms on {fake_hub.endpoint}/{R1_REPO} with the account the token belongs "
        "to (approval can take a while), then try again."
    )


def test_gated_repo_with_token_downloads_and_the_token_stays_off_the_cdn(
    hf_env: Path, samples: Samples, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeHub(redirect_to_cdn=True) as fake:
        try:
            repo = fake.add_repo(R1_REPO, samples.r1_files(), gated=True)
            monkeypatch.setenv("HF_TOKEN", fake.token)
            monkeypatch.setenv("HF_ENDPOINT", fake.endpoint)
            hub = Hub()  # token and endpoint from the environment
            assert hub.config.token == fake.token
            result = Downloader(hub, make_manifest(hf_env), policy=FAST).run(
                plan_download(hub, R1_REPO, quant=R1_QUANT, catalog=load_catalog())
            )
            assert result.completed and result.commit == repo.commit
            resolves = [r for r in fake.requests if "/resolve/" in r.path]
            cdn = [r for r in fake.requests if r.path.startswith("/cdn/")]
            assert len(resolves) == 3 and len(cdn) == 3
            assert all(r.headers.get("authorization") == f"Bearer {fake.token}" for r in resolves)
            assert all("authorization" not in r.headers for r in cdn)
        finally:
            from huggingface_hub.utils import close_session

            close_session()


def test_a_file_the_repo_does_not_have_is_named(r1: Setup) -> None:
    with pytest.raises(RemoteFileNotFoundError) as caught:
        plan_download(r1.hub, R1_REPO, paths=["DeepSeek-R1-Q4_K_M/missing.gguf"])
    assert str(caught.value) == (
        f"DeepSeek-R1-Q4_K_M/missing.gguf is not a file of {R1_REPO} at revision "
        f"{r1.commit[:12]}. Check the path (folders included) on {r1.fake.endpoint}/{R1_REPO}."
    )


def test_a_404_during_the_download_names_the_file(r1: Setup) -> None:
    plan = r1_plan(r1)
    del r1.fake.repos[R1_REPO].files[PART2]  # removed upstream after the plan was made
    with pytest.raises(RemoteFileNotFoundError) as caught:
        r1.downloader.run(plan)
    assert str(caught.value) == (
        f"{PART2} was not found in {R1_REPO} at revision {r1.commit[:12]} (HTTP 404). It may "
        f"have been renamed or removed upstream: see {r1.fake.endpoint}/{R1_REPO} for the "
        "current files."
    )


def test_an_unknown_repo_is_named(fake_hub: FakeHub, hf_env: Path) -> None:
    with pytest.raises(RepoNotFoundError) as caught:
        plan_download(make_hub(fake_hub, hf_env), "nobody/Nothing-GGUF", quant="Q4_K_M")
    assert str(caught.value) == (
        f"Model repo nobody/Nothing-GGUF was not found on {fake_hub.endpoint}. Check the name "
        "(owner/name); if it is private, set HF_TOKEN to a token that can read it."
    )


def test_offline_mode_is_explained(hf_env: Path) -> None:
    hub = Hub(HubConfig("http://127.0.0.1:9", None, True, hf_env / "hf-cache"))
    with pytest.raises(HubOfflineError) as caught:
        plan_download(hub, R1_REPO, quant=R1_QUANT)
    assert str(caught.value) == (
        f"Cannot reach the Hugging Face Hub for {R1_REPO}: offline mode is on (HF_HUB_OFFLINE "
        "is set). Unset HF_HUB_OFFLINE to go online."
    )


def test_not_enough_disk_space_is_found_before_any_byte(
    r1: Setup, samples: Samples, monkeypatch: pytest.MonkeyPatch
) -> None:
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(
        shutil, "disk_usage", lambda path: usage(10**12, 10**12 - 1_000_000, 1_000_000)
    )
    with pytest.raises(InsufficientDiskSpaceError) as caught:
        r1.downloader.run(r1_plan(r1))
    needed = sum(p.stat().st_size for p in samples.split_parts)
    repo_dir = r1.tmp / "hf-cache" / "models--unsloth--DeepSeek-R1-GGUF"
    assert str(caught.value) == (
        f"Not enough disk space for {R1_REPO} ({R1_QUANT}): the download needs "
        f"{needed / 1e6:.1f} MB more, but {repo_dir} has only 1.0 MB free. Free up "
        f"{(needed - 1_000_000) / 1e6:.1f} MB or download to another folder."
    )
    assert r1.fake.gets() == []


def test_a_full_disk_keeps_the_partial_file_for_resuming(r1: Setup, samples: Samples) -> None:
    plan = r1_plan(r1)
    full = Downloader(r1.hub, r1.manifest, policy=FAST, open_part=FullDisk(1_000_000))
    with pytest.raises(DiskFullError) as caught:
        full.run(plan)
    [part] = list((r1.tmp / "hf-cache").rglob("*.part"))
    kept = part.stat().st_size
    first = samples.split_parts[0]
    size = first.stat().st_size
    assert 0 < kept <= 1_000_000
    assert part.read_bytes() == first.read_bytes()[:kept]
    assert str(caught.value) == (
        f"The disk is full: writing {first.name} to {part.parent} failed after {kept} of {size} "
        f"bytes. The partial file was kept; free up at least {format_bytes(size - kept)} and run "
        "the download again to resume."
    )
    assert r1.downloader.run(plan).completed
    assert r1.fake.gets(first.name)[-1].range == f"bytes={kept}-"


def test_download_into_a_folder_places_files_at_their_repo_paths(
    r1: Setup, samples: Samples
) -> None:
    folder = r1.tmp / "models"
    result = r1.downloader.run(r1_plan(r1, destination=FolderDestination(folder)))
    assert result.completed
    for part in samples.split_parts:
        assert (folder / f"DeepSeek-R1-{R1_QUANT}" / part.name).read_bytes() == part.read_bytes()
    assert not list(folder.rglob("*.part"))
    assert r1.manifest.entries()[0].destination == "folder"
    assert not (r1.tmp / "hf-cache").exists()


def test_a_file_stored_without_lfs_is_verified_by_its_git_id(r1: Setup) -> None:
    result = r1.downloader.run(plan_download(r1.hub, R1_REPO, paths=["README.md"]))
    assert result.completed
    assert Path(result.files[0].local_path).read_text() == "# a model card\n"
    assert result.model_path is None  # not a model: nothing to load


def test_a_file_path_brings_its_whole_split_set(r1: Setup) -> None:
    plan = plan_download(r1.hub, R1_REPO, paths=[PART2])
    assert [f.path.rsplit("-", 3)[-3] for f in plan.files] == ["00001", "00002", "00003"]


def test_the_distill_single_file_by_path(fake_hub: FakeHub, samples: Samples, hf_env: Path) -> None:
    fake_hub.add_repo(DISTILL_REPO, {DISTILL_FILE: samples.single})
    hub = make_hub(fake_hub, hf_env)
    result = Downloader(hub, make_manifest(hf_env), policy=FAST).run(
        plan_download(hub, DISTILL_REPO, quant="Q4_K_M", catalog=load_catalog())
    )
    assert result.completed and result.model_path and result.model_path.endswith(DISTILL_FILE)
    assert hf_cache.is_commit(result.commit)


def test_the_fake_hub_answers_tree_and_paths_info_like_the_hub(r1: Setup) -> None:
    from huggingface_hub import HfApi
    from huggingface_hub.hf_api import RepoFile

    api = HfApi(endpoint=r1.fake.endpoint, token=False)
    top = sorted(e.path for e in api.list_repo_tree(R1_REPO))
    assert top == ["DeepSeek-R1-UD-IQ1_S", "README.md"]
    deep = [e.path for e in api.list_repo_tree(R1_REPO, recursive=True) if isinstance(e, RepoFile)]
    assert PART2 in deep
    [info] = api.get_paths_info(R1_REPO, [PART2], revision=r1.commit)
    snapshot_file = r1.hub.snapshot(R1_REPO).file(PART2)
    assert isinstance(info, RepoFile) and snapshot_file is not None and info.lfs is not None
    assert (info.size, info.lfs.sha256) == (snapshot_file.size, snapshot_file.sha256)
