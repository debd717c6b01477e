"""Benchmark: time to a verified file vs a plain download of the same bytes, same local server.

`python -m tests.bench.bench_download [--mb N] [--rounds R]` serves an N MB file from the fake hub
on 127.0.0.1, then alternates a plain streaming GET into a file (no hashing, no checks) with the
app's verified download (metadata, sha256 as bytes arrive, atomic placement, manifest). It prints
the best and the median time of each and their ratios; the target is at most 1.10 (judged on the
medians, which shrug off one lucky or unlucky round on a busy machine).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

TARGET_RATIO = 1.10


def _write_random_file(path: Path, mb: int) -> None:
    block = os.urandom(1 << 20)
    with path.open("wb") as f:
        for i in range(mb):
            # Vary each MiB cheaply so the content is not one repeated block.
            f.write(i.to_bytes(8, "little") + block[8:])


def _plain_download(url: str, dest: Path) -> float:
    from huggingface_hub.utils import get_session

    start = time.perf_counter()
    with get_session().stream("GET", url, headers={"Accept-Encoding": "identity"}) as response:
        response.raise_for_status()
        with dest.open("wb", buffering=0) as out:
            for chunk in response.iter_bytes():
                out.write(chunk)
    return time.perf_counter() - start


def _verified_download(repo: str, endpoint: str, work: Path) -> float:
    from backend.hub.client import Hub, HubConfig
    from backend.hub.downloader import Downloader, HFCacheDestination, plan_download
    from backend.hub.manifest import Manifest

    cache = work / "cache"
    hub = Hub(HubConfig(endpoint=endpoint, token=None, offline=False, cache_dir=cache))
    start = time.perf_counter()
    plan = plan_download(hub, repo, paths=["big.gguf"], destination=HFCacheDestination(cache))
    result = Downloader(hub, Manifest(work / "manifest.json")).run(plan)
    elapsed = time.perf_counter() - start
    assert result.completed, result
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=300, help="file size in MiB (default 300)")
    parser.add_argument("--rounds", type=int, default=7, help="runs of each kind (default 7)")
    args = parser.parse_args(sys.argv[1:])

    from tests.support.fake_hub import FakeHub

    with tempfile.TemporaryDirectory(prefix="bench-download-") as tmp:
        root = Path(tmp)
        source = root / "source.bin"
        _write_random_file(source, args.mb)
        with FakeHub() as hub:
            repo = "bench/Big-GGUF"
            fake = hub.add_repo(repo, {"big.gguf": source})
            url = f"{hub.endpoint}/{repo}/resolve/{fake.commit}/big.gguf"
            plain: list[float] = []
            verified: list[float] = []
            for round_ in range(args.rounds):
                work = root / f"run{round_}"
                work.mkdir()
                plain.append(_plain_download(url, work / "plain.bin"))
                (work / "plain.bin").unlink()
                verified.append(_verified_download(repo, hub.endpoint, work))
                shutil.rmtree(work)
            from huggingface_hub.utils import close_session

            close_session()
    mb = args.mb * (1 << 20) / 1e6
    print(f"file: {args.mb} MiB, {args.rounds} rounds of each, alternating")
    for label, pick in (("best", min), ("median", statistics.median)):
        p, v = pick(plain), pick(verified)
        print(
            f"{label:>6}: plain {p:6.3f} s ({mb / p:6.1f} MB/s)   "
            f"verified {v:6.3f} s ({mb / v:6.1f} MB/s)   ratio {v / p:.3f}x"
        )
    ratio = statistics.median(verified) / statistics.median(plain)
    verdict = "OK" if ratio <= TARGET_RATIO else "OVER TARGET"
    print(f"median ratio: {ratio:.3f}x (target <= {TARGET_RATIO:.2f}x) -> {verdict}")


if __name__ == "__main__":
    main()
