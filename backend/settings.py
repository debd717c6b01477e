"""The user's settings: a frozen dataclass saved as versioned JSON in the config folder.

Loading never fails: a missing file gives the defaults, a bad value falls back to that key's
default (with a warning naming the key), a corrupt file is kept as `settings.json.bad`. Saving
is atomic and private (mode 0600), because the file may hold a Hugging Face token and the API
server's key.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from backend.chat.family import ModelFamily, default_sampling
from backend.chat.messages import Sampling
from backend.engine.offload import KV_TYPE_BYTES
from backend.errors import AppError, InvalidOptionError
from backend.i18n import translate
from backend.json_file import JsonFile

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
N_CTX_RANGE = (256, 1 << 20)
N_THREADS_MAX = 1024
KV_TYPES = frozenset(KV_TYPE_BYTES)


class SettingsError(AppError, OSError):
    """The settings file could not be written."""


class Theme(StrEnum):
    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"


class Language(StrEnum):
    SYSTEM = "system"
    ENGLISH = "en"
    CHINESE = "zh_CN"


class _ReadOnlyMapping[K, V](Mapping[K, V]):
    """A dict that cannot change, so the frozen `Settings` stays frozen (and hashable)."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[K, V]) -> None:
        self._data = dict(data)

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __repr__(self) -> str:
        return repr(self._data)


@dataclass(frozen=True, slots=True, repr=False)
class Settings:
    """Every field is checked on construction: a bad value raises `InvalidOptionError`.

    Update with `dataclasses.replace(settings, n_ctx=16384)`.
    """

    n_ctx: int = 8192
    kv_type: str = "f16"
    # Per family, the user's sampler settings; a family not here uses DeepSeek's recommendation.
    sampling: Mapping[ModelFamily, Sampling] = field(default_factory=dict)
    cpu_moe_layers: int | None = None  # None: the offload planner decides; -1: all MoE layers
    n_threads: int | None = None  # None: automatic
    reasoning_expanded: bool = False  # False: the reasoning panel folds when the answer starts
    models_dirs: tuple[str, ...] = ()  # extra folders scanned for models
    download_dir: str | None = None  # None: the Hugging Face cache
    hf_token: str | None = None  # secret: never shown by repr or logs
    theme: Theme = Theme.SYSTEM
    language: Language = Language.SYSTEM
    last_model: str | None = None
    welcome_shown: bool = False  # the first-run model chooser has been offered once
    # llama.cpp RPC workers ("host:port") that share the model's layers; needs a -DGGML_RPC=on
    # build (see `backend.engine.rpc`).
    rpc_servers: tuple[str, ...] = ()
    # Keep each conversation's KV cache (backend.engine.snapshot_store), so reopening or
    # continuing it does not read it again; on disk up to this many GiB (None: automatic).
    kv_snapshots: bool = True
    kv_snapshot_gib: float | None = None
    # Sent first in every conversation that has no system prompt of its own ("" : none). Models
    # without a system role (R1 and its distills) get it at the start of the first message.
    system_prompt: str = ""
    # The local OpenAI-compatible API (Settings → API server, `backend.serve`).
    server_enabled: bool = False
    server_port: int = 8080
    server_api_key: str | None = None  # secret: never shown by repr or logs
    server_lan: bool = False  # listen on every network interface (the app asks for a key)
    server_cors_origins: tuple[str, ...] = ()  # web pages allowed to call the API
    server_save_chats: bool = False  # keep the server's chats as conversations

    def __post_init__(self) -> None:
        for name, check in _CHECKS.items():
            try:
                value = check(getattr(self, name))
            except (TypeError, ValueError) as exc:
                raise InvalidOptionError(translate(
                    "Settings", "Invalid setting {name}: {error}."
                ).format(name=name, error=exc)) from None
            object.__setattr__(self, name, value)

    def sampling_for(self, family: ModelFamily) -> Sampling:
        """The user's sampler settings for `family`, else DeepSeek's recommended ones."""
        return self.sampling.get(family) or default_sampling(family)

    def with_sampling(self, family: ModelFamily, sampling: Sampling | None) -> Settings:
        """A copy with `family`'s sampler settings set, or reset to the default with None."""
        overrides = {k: v for k, v in self.sampling.items() if k != family}
        if sampling is not None:
            overrides[family] = sampling
        return dataclasses.replace(self, sampling=overrides)

    def __repr__(self) -> str:
        parts = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in _SECRETS and value is not None:
                parts.append(f"{f.name}='***'")
            else:
                parts.append(f"{f.name}={value!r}")
        return f"Settings({', '.join(parts)})"


def load_settings(path: Path) -> Settings:
    """The saved settings (`AppPaths.settings_file`), or the defaults for whatever is missing or
    wrong. Never raises (see `backend.json_file` for damaged and newer files)."""
    raw = _file(path).read()
    return Settings() if raw is None else _from_json(raw)


def save_settings(settings: Settings, path: Path) -> None:
    """Write atomically and privately (mode 0600)."""
    try:
        _file(path).write(_to_json(settings))
    except OSError as exc:
        raise SettingsError(translate(
            "Settings",
            "Could not save the settings to {path} ({error}). Check that the "
            "folder is writable and the disk is not full.",
        ).format(path=path, error=exc.strerror or exc)) from exc


# -- checks: one per field, shared by construction and loading ----------------------------------


def _int(value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(translate(
            "Settings", "expected a whole number, got {value!r}"
        ).format(value=value))
    if not low <= value <= high:
        raise ValueError(translate(
            "Settings", "{value} is outside {low}–{high}"
        ).format(value=value, low=low, high=high))
    return value


def _optional[T](check: Callable[[object], T]) -> Callable[[object], T | None]:
    return lambda value: None if value is None else check(value)


def _text(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise TypeError(translate(
            "Settings", "expected a non-empty text, got {value!r}"
        ).format(value=value))
    return value


def _any_text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(translate("Settings", "expected a text, got {value!r}").format(value=value))
    return value


def _token(value: object) -> str | None:
    # The value must never reach a message or a log, even when it is wrong.
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(translate("Settings", "expected a text"))
    return value.strip() or None


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(translate(
            "Settings", "expected true or false, got {value!r}"
        ).format(value=value))
    return value


def _kv_type(value: object) -> str:
    if value not in KV_TYPES:
        raise _not_one_of(value, ", ".join(sorted(KV_TYPES)))
    return str(value)


def _dirs(value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise TypeError(translate(
            "Settings", "expected a list of folders, got {value!r}"
        ).format(value=value))
    return tuple(_text(item) for item in value)


def _rpc_servers(value: object) -> tuple[str, ...]:
    from backend.engine.rpc import parse_servers

    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise TypeError(translate(
            "Settings", "expected a list of host:port addresses, got {value!r}"
        ).format(value=value))
    try:
        return parse_servers(" ".join(_text(item) for item in value))
    except InvalidOptionError as exc:
        raise ValueError(str(exc).rstrip(".。")) from None


def _gib(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(translate(
            "Settings", "expected a number of GiB, got {value!r}").format(value=value))
    if not 0.5 <= value <= 4096:
        raise ValueError(translate(
            "Settings", "{value} GiB is outside 0.5–4096").format(value=value))
    return float(value)


def _origins(value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise TypeError(translate(
            "Settings", "expected a list of web origins, got {value!r}"
        ).format(value=value))
    origins = tuple(_text(item).strip().rstrip("/") for item in value)
    for origin in origins:
        if origin != "*" and not origin.startswith(("http://", "https://")):
            raise ValueError(translate(
                "Settings", "{origin!r} is not a web origin such as http://localhost:3000"
            ).format(origin=origin))
    return origins


def _enum[E: StrEnum](kind: type[E]) -> Callable[[object], E]:
    def check(value: object) -> E:
        if isinstance(value, str) and value in kind._value2member_map_:
            return kind(value)
        raise _not_one_of(value, ", ".join(repr(m.value) for m in kind))

    return check


def _not_one_of(value: object, allowed: str) -> ValueError:
    return ValueError(translate(
        "Settings", "{value!r} is not one of {allowed}"
    ).format(value=value, allowed=allowed))


def _number(data: Mapping[str, object], key: str, low: float, high: float) -> float:
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(translate(
            "Settings", "{key} must be a number, got {value!r}"
        ).format(key=key, value=value))
    if not low <= value <= high:
        raise ValueError(translate(
            "Settings", "{key} {value} is outside {low}–{high}"
        ).format(key=key, value=value, low=low, high=high))
    return value


def _one_sampling(family: ModelFamily, value: object) -> Sampling:
    if isinstance(value, Sampling):
        value = dataclasses.asdict(value)
    if not isinstance(value, Mapping):
        raise TypeError(translate(
            "Settings", "{family}: expected sampler settings, got {value!r}"
        ).format(family=family.value, value=value))
    unknown = set(value) - {f.name for f in dataclasses.fields(Sampling)}
    if unknown:
        raise ValueError(translate(
            "Settings", "{family}: unknown sampler setting {name!r}"
        ).format(family=family.value, name=min(unknown)))
    # A partial entry ({"temperature": 0.8}) keeps the recommended values for the rest.
    merged = {**dataclasses.asdict(default_sampling(family)), **value}
    top_k = merged["top_k"]
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 0:
        raise ValueError(translate(
            "Settings", "{family}: top_k must be a whole number ≥ 0, got {top_k!r}"
        ).format(family=family.value, top_k=top_k))
    return Sampling(
        temperature=_number(merged, "temperature", 0.0, 5.0),
        top_p=_number(merged, "top_p", 0.0, 1.0),
        top_k=top_k,
        min_p=_number(merged, "min_p", 0.0, 1.0),
        repeat_penalty=_number(merged, "repeat_penalty", 0.5, 5.0),
    )


def _sampling(value: object) -> Mapping[ModelFamily, Sampling]:
    if not isinstance(value, Mapping):
        raise TypeError(translate(
            "Settings", "expected a table of model families, got {value!r}"
        ).format(value=value))
    family = _enum(ModelFamily)
    overrides = {family(key): _one_sampling(family(key), entry) for key, entry in value.items()}
    return _ReadOnlyMapping(overrides)


_CHECKS: dict[str, Callable[[Any], object]] = {
    "n_ctx": lambda v: _int(v, *N_CTX_RANGE),
    "kv_type": _kv_type,
    "sampling": _sampling,
    "cpu_moe_layers": _optional(lambda v: _int(v, -1, 100_000)),
    "n_threads": _optional(lambda v: _int(v, 1, N_THREADS_MAX)),
    "reasoning_expanded": _bool,
    "models_dirs": _dirs,
    "download_dir": _optional(_text),
    "hf_token": _token,
    "theme": _enum(Theme),
    "language": _enum(Language),
    "last_model": _optional(_text),
    "welcome_shown": _bool,
    "rpc_servers": _rpc_servers,
    "kv_snapshots": _bool,
    "kv_snapshot_gib": _optional(_gib),
    "system_prompt": _any_text,
    "server_enabled": _bool,
    "server_port": lambda v: _int(v, 1, 65535),
    "server_api_key": _token,
    "server_lan": _bool,
    "server_cors_origins": _origins,
    "server_save_chats": _bool,
}
_SECRETS = frozenset({"hf_token", "server_api_key"})

# _MIGRATIONS[n] turns a version n + 1 file's dict into version n + 2; append, never edit.
_MIGRATIONS: list[Callable[[dict[str, Any]], dict[str, Any]]] = []


def _file(path: Path) -> JsonFile:
    return JsonFile(path, SCHEMA_VERSION, _MIGRATIONS, private=True)  # it holds secrets


def _from_json(raw: dict[str, Any]) -> Settings:
    values: dict[str, object] = {}
    for name, check in _CHECKS.items():
        if name not in raw:
            continue
        try:
            values[name] = check(raw[name])
        except (TypeError, ValueError) as exc:
            log.warning("settings: %s ignored (%s); using the default", name, exc)
    return Settings(**values)  # type: ignore[arg-type]


def _to_json(settings: Settings) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for f in dataclasses.fields(settings):
        value = getattr(settings, f.name)
        if f.name == "sampling":
            value = {family.value: dataclasses.asdict(s) for family, s in value.items()}
        elif f.name in ("models_dirs", "rpc_servers", "server_cors_origins"):
            value = list(value)
        elif isinstance(value, StrEnum):
            value = value.value
        data[f.name] = value
    return data
