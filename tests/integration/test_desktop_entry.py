"""The Linux launcher entry: valid per desktop-file-validate, pointing at what the package installs,
matching the window the app opens, and installed/removed by packaging/linux/desktop-integration.sh.
"""

from __future__ import annotations

import configparser
import importlib
import os
import re
import shlex
import shutil
import struct
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DESKTOP = ROOT / "packaging" / "linux" / "deepseek-local.desktop"
INSTALLER = ROOT / "packaging" / "linux" / "desktop-integration.sh"
ICONS = ROOT / "resources" / "icons"
ICON_SIZES = (16, 32, 48, 64, 128, 256, 512)


def read_entry(path: Path = DESKTOP) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return dict(parser["Desktop Entry"])


def gui_scripts() -> dict[str, str]:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return dict(tomllib.load(f)["project"]["gui-scripts"])


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_desktop_file_passes_desktop_file_validate() -> None:
    tool = shutil.which("desktop-file-validate")
    if tool is None:
        pytest.skip("desktop-file-validate is not installed (Debian/Ubuntu: apt install "
                    "desktop-file-utils; .ci/run installs it when running as root)")
    result = subprocess.run([tool, str(DESKTOP)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in result.stdout + result.stderr


def test_exec_runs_the_gui_script_the_package_installs() -> None:
    entry = read_entry()
    program, *args = shlex.split(entry["Exec"])
    scripts = gui_scripts()
    assert program == "deepseek-local"
    assert program in scripts, f"pyproject.toml installs no gui-script named {program!r}"
    assert entry["TryExec"] == program
    assert args == ["%U"]
    module_name, _, function = scripts[program].partition(":")
    assert callable(getattr(importlib.import_module(module_name), function))


def test_icon_names_the_app_icon_shipped_in_resources() -> None:
    icon = read_entry()["Icon"]
    assert icon == "deepseek-local"
    assert (ICONS / f"{icon}.svg").is_file()
    for size in ICON_SIZES:
        assert png_size(ICONS / f"{icon}-{size}.png") == (size, size)


def test_entry_matches_the_names_the_app_gives_its_window() -> None:
    """Qt's X11 WM_CLASS is (argv[0] basename, applicationName); Wayland uses the desktop file
    name. Both come from app/gui/launch.py, so the launcher can match the window to this entry."""
    source = (ROOT / "app" / "gui" / "launch.py").read_text("utf-8")
    app_name = re.search(r'setApplicationName\("([^"]+)"\)', source)
    desktop_name = re.search(r'setDesktopFileName\("([^"]+)"\)', source)
    assert app_name and desktop_name, "app/gui/launch.py no longer sets the names this test checks"
    entry = read_entry()
    assert entry["StartupWMClass"] == app_name.group(1)
    assert DESKTOP.stem == desktop_name.group(1)
    assert entry["Name"] == "DeepSeek Local"


def test_every_translatable_key_has_a_simplified_chinese_version() -> None:
    """The launcher speaks the interface's languages: localestrings get a [zh_CN] variant."""
    entry = read_entry()
    for key in ("Name", "GenericName", "Comment", "Keywords"):
        chinese = entry.get(f"{key}[zh_CN]", "")
        assert re.search(r"[\u4e00-\u9fff]", chinese), f"{key}[zh_CN] is missing or not Chinese"


@pytest.mark.skipif(sys.platform != "linux", reason="XDG launcher entries are a Linux thing")
def test_install_rewrites_exec_and_uninstall_removes_every_installed_file(tmp_path: Path) -> None:
    program = tmp_path / "a venv" / "bin" / "deepseek-local"  # a space, as in real home folders
    program.parent.mkdir(parents=True)
    program.write_text("#!/bin/sh\nexit 0\n")
    program.chmod(0o755)
    data = tmp_path / "share"
    env = {**os.environ, "XDG_DATA_HOME": str(data)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["sh", str(INSTALLER), *args], env=env, capture_output=True,
                              text=True, check=False, timeout=60)

    installed = run("install", str(program))
    assert installed.returncode == 0, installed.stderr
    owned = [Path(line) for line in run("files").stdout.splitlines()]
    assert len(owned) == 2 + len(ICON_SIZES)
    assert all(path.is_file() for path in owned)
    entry = read_entry(data / "applications" / "deepseek-local.desktop")
    assert shlex.split(entry["Exec"]) == [str(program), "%U"]
    assert entry["TryExec"] == str(program)
    assert (data / "icons/hicolor/48x48/apps/deepseek-local.png").read_bytes() == (
        ICONS / "deepseek-local-48.png").read_bytes()

    removed = run("uninstall")
    assert removed.returncode == 0, removed.stderr
    assert [p for p in data.rglob("*") if p.is_file()] == []


@pytest.mark.skipif(sys.platform != "linux", reason="XDG launcher entries are a Linux thing")
def test_install_refuses_a_program_that_does_not_exist(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "share")}
    result = subprocess.run(["sh", str(INSTALLER), "install", str(tmp_path / "deepseek-local")],
                            env=env, capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip() == (f"install: {tmp_path / 'deepseek-local'} does not exist or "
                                      "is not executable; run 'make venv' first.")
    assert not (tmp_path / "share").exists()
