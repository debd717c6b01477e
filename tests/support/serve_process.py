"""`python -m app serve MODEL ...` in a child process, as a user starts it, on a free port.

`ServeProcess` reads the "Serving NAME at URL" line it prints when the model is ready, keeps
its stderr (one line per answer) for the test to read, and stops it with SIGINT as Ctrl+C does.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_READY = re.compile(r"^Serving (.+) at (http://\S+)$")


class ServeProcess:
    def __init__(self, *args: str | Path, env: dict[str, str] | None = None) -> None:
        """`args`: the model and options, in any order (`--port 0` is added)."""
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", *map(str, args), "--port", "0"],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
        self._stderr: list[str] = []
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()
        self.name, self.url = self._wait_ready()

    @property
    def stderr(self) -> str:
        return "".join(self._stderr)

    def answers(self) -> list[str]:
        """The per-answer lines logged so far ("answered 1 messages: ... tokens ..., stop")."""
        return [line for line in self.stderr.splitlines() if " answered " in line]

    def wait_for_answers(self, count: int, timeout: float = 10) -> list[str]:
        deadline = time.monotonic() + timeout
        while len(self.answers()) < count:
            assert time.monotonic() < deadline, f"no answer line in:\n{self.stderr}"
            time.sleep(0.02)
        return self.answers()

    def interrupt(self, timeout: float = 10) -> tuple[int, float]:
        """Ctrl+C: the exit code and the seconds it took to exit."""
        started = time.monotonic()
        self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout)
        return code, time.monotonic() - started

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self.proc.stdout.close()
        self._reader.join(5)
        self.proc.stderr.close()

    def _wait_ready(self) -> tuple[str, str]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # blocks until the model is loaded (or the exit)
        match = _READY.match(line.strip())
        if match is None:
            self.stop()
            raise AssertionError(f"serve did not start ({self.proc.returncode}): {line!r}\n"
                                 f"{self.stderr}")
        return match.group(1), match.group(2)

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self._stderr.append(line)


@contextmanager
def serving(*args: str | Path, env: dict[str, str] | None = None) -> Iterator[ServeProcess]:
    server = ServeProcess(*args, env=env)
    try:
        yield server
    finally:
        server.stop()
