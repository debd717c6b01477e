"""`make bundle-test`: prove a built bundle starts, runs llama.cpp on a tiny model and quits cleanly.

Runs the bundled program three times: `--version`; offscreen with a generated tiny DeepSeek
model, `--self-test` and a throwaway `--data-dir` (it must exit 0 in time and leave a log that
ends with a clean exit and holds no traceback); and once more on a Chinese system, which must
find the app's and Qt's Chinese translations. Run it with the dev venv (it needs `gguf` to write the model).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BUNDLE = ROOT / "dist" / "deepseek-local" / (
    "deepseek-local.exe" if sys.platform == "win32" else "deepseek-local")


def fail(message: str, log: Path | None = None) -> int:
    print(f"bundle-test: FAILED: {message}", file=sys.stderr)
    if log is not None and log.exists():
        print(f"--- last lines of {log}:", file=sys.stderr)
        for line in log.read_text("utf-8", "replace").splitlines()[-30:]:
            print(f"    {line}", file=sys.stderr)
    return 1


def run(cmd: list[str], env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    print("$ " + " ".join(cmd), flush=True)
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout,
                          check=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    parser.add_argument("--timeout", type=float, default=300.0,
                        help="seconds the self-test may take (the app's own limit is 120 s)")
    args = parser.parse_args(argv)
    exe = args.bundle.resolve()
    if not exe.is_file():
        return fail(f"no bundle at {exe}; run 'make bundle' first")
    sys.path.insert(0, str(ROOT))
    from app import __version__
    from backend.chat.builtin_templates import DEEPSEEK_R1
    from tests.support.tiny_model import TinyModelSpec, write_tiny_model

    with tempfile.TemporaryDirectory(prefix="deepseek-local-bundle-test-") as tmp_name:
        tmp = Path(tmp_name)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DEEPSEEK_LOCAL_", "HF_"))}
        # Hermetic and offline: nothing from the user's profile, caches or the network.
        env.update(QT_QPA_PLATFORM="offscreen", HF_HOME=str(tmp / "hf"), HF_HUB_OFFLINE="1",
                   HF_HUB_DISABLE_TELEMETRY="1")

        result = run([str(exe), "--version"], env, timeout=60)
        expected = f"DeepSeek Local {__version__}"
        # A windowed Windows build has no stdout: only the exit code can be checked there.
        if result.returncode != 0 or (sys.platform != "win32" and
                                      result.stdout.strip() != expected):
            return fail(f"--version exited {result.returncode} and printed {result.stdout!r} "
                        f"{result.stderr[-2000:]!r}; expected {expected!r}")
        print(result.stdout.strip())

        model = write_tiny_model(tmp / "tiny.gguf", TinyModelSpec(chat_template=DEEPSEEK_R1))
        data = tmp / "data"
        log = data / "logs" / "deepseek-local.log"
        started = time.monotonic()
        try:
            result = run([str(exe), "--data-dir", str(data), "--model", str(model), "--self-test"],
                         env, timeout=args.timeout)
        except subprocess.TimeoutExpired:
            return fail(f"--self-test still running after {args.timeout:.0f} s", log)
        seconds = time.monotonic() - started
        for line in result.stdout.splitlines():
            print(f"    {line}")
        if result.returncode != 0:
            tail = "\n".join(result.stderr.splitlines()[-15:])
            return fail(f"--self-test exited {result.returncode} after {seconds:.1f} s\n{tail}", log)
        text = log.read_text("utf-8", "replace") if log.exists() else ""
        if "Traceback" in text:
            return fail("the app exited 0 but logged an unexpected error", log)
        if "exited with 0" not in text:
            return fail("the log does not show a clean exit", log)
        crash = data / "logs" / "crash.log"
        if crash.exists() and crash.stat().st_size:
            return fail("faulthandler wrote a crash report", crash)

        # A Chinese system: the bundle must carry the app's and Qt's own translations.
        zh_data = tmp / "data-zh"
        zh_env = {**env, "LANG": "zh_CN.UTF-8", "LC_ALL": "zh_CN.UTF-8", "LANGUAGE": "zh_CN"}
        result = run([str(exe), "--data-dir", str(zh_data), "--startup-probe"], zh_env, timeout=60)
        zh_log = zh_data / "logs" / "deepseek-local.log"
        text = zh_log.read_text("utf-8", "replace") if zh_log.exists() else ""
        if result.returncode != 0 or "interface language: zh_CN" not in text:
            return fail("a Chinese start did not pick the Chinese interface", zh_log)
        if "no translation" in text:
            return fail("the bundle lacks a translation file", zh_log)
        print("    Chinese interface: translations found")
        print(f"bundle-test: ok ({exe.parent}, self-test {seconds:.1f} s)")
        return 0


if __name__ == "__main__":
    sys.exit(main())
