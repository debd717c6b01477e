"""A real X desktop for black-box tests: Xvfb with the openbox window manager (without one, focus
and activation differ from any real desktop), xdotool to type and click, ImageMagick's `import`
for screenshots, and the app started as a user starts it (`python -m app`).

Everything waits on conditions with timeouts (a window shown, a file written, a row saved),
never on fixed sleeps. Screenshots come back as `Shot`s: raw RGB pixels read from a PPM, so
the test process needs no Qt for them.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

TOOLS = ("Xvfb", "openbox", "xdotool", "xprop", "xwininfo", "import")
# What the tools come in on Debian, and the libraries Qt's xcb platform plugin needs.
APT_LINE = ("apt-get install xvfb openbox xdotool x11-utils imagemagick libxcb-cursor0 "
            "libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 "
            "libxcb-render-util0 libxcb-image0 libegl1 libgl1 libfontconfig1")
ROOT = Path(__file__).resolve().parents[2]


def missing_tools() -> list[str]:
    """The programs a black-box test needs that this machine lacks, and Qt's xcb libraries."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    check = ROOT / "packaging" / "linux" / "check-qt-deps.sh"
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    result = subprocess.run(["sh", str(check)], env=env, capture_output=True, text=True,
                            check=False)
    if result.returncode != 0:
        missing.append("Qt's xcb libraries")
    return missing


def wait_for[T](what: str, probe: Callable[[], T | None], timeout: float = 30.0,
                interval: float = 0.05) -> T:
    """Poll `probe` until it returns something truthy; fail the test after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


@dataclass(frozen=True)
class Rect:
    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class Shot:
    """A screenshot: `width` × `height` RGB pixels."""

    width: int
    height: int
    pixels: bytes

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        i = 3 * (y * self.width + x)
        return self.pixels[i], self.pixels[i + 1], self.pixels[i + 2]

    def count(self, rect: Rect, match: Callable[[tuple[int, int, int]], bool]) -> int:
        """How many pixels in `rect` (clipped to the screen) satisfy `match`."""
        return sum(1 for y in range(max(rect.y, 0), min(rect.y + rect.height, self.height))
                   for x in range(max(rect.x, 0), min(rect.x + rect.width, self.width))
                   if match(self.pixel(x, y)))

    def differences(self, other: Shot, rect: Rect) -> list[tuple[int, int]]:
        """The points of `rect` where the two screenshots differ."""
        return [(x, y) for y in range(max(rect.y, 0), min(rect.y + rect.height, self.height))
                for x in range(max(rect.x, 0), min(rect.x + rect.width, self.width))
                if self.pixel(x, y) != other.pixel(x, y)]


def dark(rgb: tuple[int, int, int]) -> bool:
    """Text in the light theme."""
    return sum(rgb) < 3 * 110


def close_to(color: str, tolerance: int = 6) -> Callable[[tuple[int, int, int]], bool]:
    want = tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))
    return lambda rgb: all(abs(a - b) <= tolerance for a, b in zip(rgb, want, strict=True))


class Desktop:
    """Xvfb on a free display, openbox managing it. `close()` ends both."""

    def __init__(self, workdir: Path, size: str = "1280x800x24") -> None:
        self.workdir = workdir
        read, write = os.pipe()
        self._xvfb = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", size, "-nolisten", "tcp"],
            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write)
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()  # Xvfb writes it once the display is ready
        if not number:
            self._xvfb.kill()
            raise AssertionError("Xvfb did not start")
        self.display = f":{number}"
        self._wm = subprocess.Popen(["openbox", "--sm-disable"], env=self.env(),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for("openbox to manage the screen", self._wm_running, timeout=20)

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
        env.update(DISPLAY=self.display, **extra)
        return env

    def _wm_running(self) -> bool:
        out = self.x("xprop", "-root", "_NET_SUPPORTING_WM_CHECK", check=False)
        return "window id" in out

    def x(self, *command: str, check: bool = True) -> str:
        result = subprocess.run(command, env=self.env(), capture_output=True, text=True,
                                check=False, timeout=30)
        if check and result.returncode != 0:
            raise AssertionError(f"{' '.join(command)} failed: {result.stderr.strip()}")
        return result.stdout

    def xdotool(self, *args: str) -> str:
        return self.x("xdotool", *args)

    def windows(self, *, name: str | None = None, pid: int | None = None) -> list[str]:
        args = ["xdotool", "search", "--onlyvisible"]
        if pid is not None:
            args += ["--pid", str(pid)]
        args += ["--name", name or "."]
        return self.x(*args, check=False).split()

    def wait_window(self, name: str, timeout: float = 30.0) -> str:
        return wait_for(f"a window named {name!r}",
                        lambda: next(iter(self.windows(name=f"^{name}$")), None), timeout)

    def geometry(self, window: str) -> Rect:
        """Where the window's contents are on the screen (xwininfo's absolute position: under a
        reparenting window manager xdotool's counts the frame twice)."""
        values: dict[str, int] = {}
        for line in self.x("xwininfo", "-id", window).splitlines():
            key, _, value = line.strip().partition(":")
            if key in ("Absolute upper-left X", "Absolute upper-left Y", "Width", "Height"):
                values[key] = int(value)
        return Rect(values["Absolute upper-left X"], values["Absolute upper-left Y"],
                    values["Width"], values["Height"])

    def active_window(self) -> str:
        return self.x("xdotool", "getactivewindow", check=False).strip()

    def screenshot(self) -> Shot:
        data = subprocess.run(["import", "-window", "root", "-depth", "8", "ppm:-"], env=self.env(),
                              capture_output=True, check=True, timeout=30).stdout
        return parse_ppm(data)

    def save_screenshot(self, path: Path) -> None:
        self.x("import", "-window", "root", str(path))

    def close(self) -> None:
        for process in (self._wm, self._xvfb):
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


def parse_ppm(data: bytes) -> Shot:
    """A binary PPM (P6, 8 bits): the header's four fields, then the pixels."""
    fields: list[bytes] = []
    pos = 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    if fields[0] != b"P6" or fields[3] != b"255":
        raise ValueError(f"not an 8-bit binary PPM: {fields!r}")
    width, height = int(fields[1]), int(fields[2])
    pos += 1  # the single whitespace after the header
    return Shot(width, height, data[pos:pos + 3 * width * height])


class App:
    """The desktop app in a process of its own, on `desktop`, with its data in `data_dir`."""

    def __init__(self, desktop: Desktop, data_dir: Path, args: Sequence[str] = (),
                 env: dict[str, str] | None = None) -> None:
        self.desktop = desktop
        self.data_dir = data_dir
        self.log = (data_dir.parent / f"{data_dir.name}-stdout.log").open("w")
        extra = {"LANGUAGE": "en", "LC_ALL": "C.UTF-8", "HF_HUB_DISABLE_TELEMETRY": "1",
                 **(env or {})}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app", "--data-dir", str(data_dir), *args],
            cwd=ROOT, env=desktop.env(**extra), stdout=self.log, stderr=subprocess.STDOUT)
        self.window = desktop.wait_window("DeepSeek Local")

    def settings(self) -> dict[str, object]:
        try:
            return dict(json.loads((self.data_dir / "config" / "settings.json").read_text()))
        except (OSError, ValueError):
            return {}

    def wait_loaded(self, model: Path, timeout: float = 60.0) -> None:
        """Until `model` is loaded: the app then records it as the last model used."""
        wait_for(f"{model.name} to load",
                 lambda: Path(str(self.settings().get("last_model") or "")).name == model.name,
                 timeout)

    def rows(self, sql: str) -> list[tuple[object, ...]]:
        """Read the app's conversations database, as another program would."""
        path = self.data_dir / "data" / "conversations.sqlite3"
        if not path.exists():
            return []
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            return db.execute(sql).fetchall()
        except sqlite3.OperationalError:  # the app is still creating its tables
            return []
        finally:
            db.close()

    def wait_answer(self, timeout: float = 60.0) -> list[tuple[object, ...]]:
        """The conversation's messages once the answer is no longer being written."""
        query = "SELECT role, content, reasoning, state FROM messages ORDER BY position"
        return wait_for("the answer to be saved",
                        lambda: (rows if len(rows := self.rows(query)) >= 2
                                 and rows[-1][3] not in ("streaming",) else None), timeout)

    def wait_active(self, timeout: float = 15.0) -> None:
        """Until the window manager has given the app's window the focus."""
        wait_for("the window to be active", lambda: self.desktop.active_window() == self.window,
                 timeout)

    def type(self, text: str) -> None:
        self.desktop.xdotool("type", "--delay", "50", text)

    def key(self, *keys: str) -> None:
        self.desktop.xdotool("key", *keys)

    def close(self) -> int | None:
        """Quit as a user does (Ctrl+Q); kill it if it does not end within 10 s."""
        if self.process.poll() is None:
            with suppress(AssertionError):
                self.desktop.xdotool("windowactivate", "--sync", self.window)
                self.key("ctrl+q")
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.log.close()
        return self.process.returncode


@contextmanager
def running_app(desktop: Desktop, data_dir: Path, args: Sequence[str] = (),
                env: dict[str, str] | None = None) -> Iterator[App]:
    app = App(desktop, data_dir, args, env)
    try:
        yield app
    finally:
        app.close()
