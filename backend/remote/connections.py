"""Remote engine connections (OpenAI-compatible servers), kept in `connections.json` in the data
folder beside the conversations.

The file holds API keys, so it is written atomically with mode 0600, its contents never reach
the log, and `Connection`'s repr masks the key. Loading never fails: a bad entry is skipped with a
warning that names it (never its key), a corrupt file is kept as `connections.json.bad`.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from backend.chat.messages import EngineRef
from backend.errors import AppError, InvalidOptionError
from backend.i18n import translate
from backend.json_file import JsonFile
from backend.remote.http_client import CONNECT_TIMEOUT, READ_TIMEOUT, Endpoint, Timeouts

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
# DeepSeek's API retired these names in July 2026; its models now take a thinking switch.
DEEPSEEK_API_HOST = "api.deepseek.com"
DEEPSEEK_API_MODEL = "deepseek-v4-flash"
_RETIRED_DEEPSEEK_MODELS = frozenset({"deepseek-chat", "deepseek-reasoner"})


class ConnectionsError(AppError, OSError):
    """The connections file could not be written."""


class ThinkingControl(StrEnum):
    """How the Deep thinking toggle reaches the server."""

    # chat_template_kwargs {"thinking": on, "enable_thinking": on} (and the effort as
    # "reasoning_effort"): V3.1+ on vLLM, SGLang, llama.cpp's server.
    TEMPLATE = "template"
    # DeepSeek's API: {"thinking": {"type": "enabled"|"disabled"}} and "reasoning_effort".
    API_SWITCH = "api_switch"
    # A second model for thinking (the retired deepseek-chat / deepseek-reasoner pair; some
    # other servers still name their models so).
    MODEL_PAIR = "model_pair"
    ALWAYS = "always"  # R1 and its distills: they always reason, nothing to switch
    NEVER = "never"  # V3: no reasoning


@dataclass(frozen=True, slots=True, repr=False)
class Connection:
    """One server. Build with `Connection.new(...)` (checks the values and makes an id)."""

    id: str
    name: str  # the user's name for it, e.g. "DeepSeek API"
    base_url: str
    model: str
    api_key: str | None = None  # secret: masked in repr and in the UI, never logged
    thinking: ThinkingControl = ThinkingControl.TEMPLATE
    thinking_model: str | None = None  # MODEL_PAIR: the model that answers with Deep thinking on
    connect_timeout: float = CONNECT_TIMEOUT
    read_timeout: float = READ_TIMEOUT

    def __post_init__(self) -> None:
        for name in ("id", "name", "base_url", "model"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise InvalidOptionError(_needs(name))
            object.__setattr__(self, name, value.strip())
        Endpoint.parse(self.base_url)  # raises InvalidOptionError with the reason
        key = self.api_key.strip() if isinstance(self.api_key, str) else None
        object.__setattr__(self, "api_key", key or None)
        object.__setattr__(self, "thinking", ThinkingControl(self.thinking))
        pair = self.thinking_model.strip() if isinstance(self.thinking_model, str) else None
        object.__setattr__(self, "thinking_model", pair or None)
        if self.thinking is ThinkingControl.MODEL_PAIR and not self.thinking_model:
            raise InvalidOptionError(translate(
                "Connections", "{name}: name the model that answers with Deep thinking on, "
                "or choose another way to switch thinking."
            ).format(name=self.name))
        for name in ("connect_timeout", "read_timeout"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise InvalidOptionError(_bad_timeout(name).format(name=self.name, value=value))

    @classmethod
    def new(cls, name: str, base_url: str, model: str, **kw: Any) -> Connection:
        return cls(id=uuid.uuid4().hex[:12], name=name, base_url=base_url, model=model, **kw)

    @property
    def engine(self) -> EngineRef:
        """How conversations answered by this connection refer to it."""
        return EngineRef(self.id)

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint.parse(self.base_url)

    @property
    def timeouts(self) -> Timeouts:
        return Timeouts(connect=self.connect_timeout, read=self.read_timeout)

    @property
    def effort_levels(self) -> tuple[str, ...]:
        """The reasoning efforts this connection can ask for (DeepSeek's API: high, max)."""
        return ("high", "max") if self.thinking is ThinkingControl.API_SWITCH else ()

    def model_for(self, thinking: bool) -> str:
        """The model that answers a turn with Deep thinking on or off."""
        if thinking and self.thinking is ThinkingControl.MODEL_PAIR and self.thinking_model:
            return self.thinking_model
        return self.model

    @property
    def models_label(self) -> str:
        if self.thinking is ThinkingControl.MODEL_PAIR:
            return f"{self.model} / {self.thinking_model}"
        return self.model

    @property
    def label(self) -> str:
        """e.g. "DeepSeek API · deepseek-v4-flash"."""
        return f"{self.name} · {self.models_label}"

    def masked_key(self) -> str:
        return mask_key(self.api_key)

    def __repr__(self) -> str:
        parts = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            parts.append(f"{f.name}={self.masked_key()!r}" if f.name == "api_key"
                         else f"{f.name}={value!r}")
        return f"Connection({', '.join(parts)})"


def _needs(field: str) -> str:
    """The message for a connection without `field`."""
    if field == "id":
        return translate("Connections", "A connection needs a id.")
    if field == "name":
        return translate("Connections", "A connection needs a name.")
    if field == "base_url":
        return translate("Connections", "A connection needs a base url.")
    return translate("Connections", "A connection needs a model.")


def _bad_timeout(field: str) -> str:
    """The template ({name}, {value}) for a timeout that is not a positive number."""
    if field == "connect_timeout":
        return translate("Connections", "{name}: connect timeout must be a positive number of "
                         "seconds, got {value!r}.")
    return translate("Connections", "{name}: read timeout must be a positive number of seconds, "
                     "got {value!r}.")


def mask_key(key: str | None) -> str:
    """Enough of a key to tell two apart, never enough to use: "sk-…f00d"."""
    if not key:
        return ""
    if len(key) < 12:
        return "•" * 8
    head = key[:3] if key[:3] in ("sk-", "hf_") else ""
    return f"{head}…{key[-4:]}"


def load_connections(path: Path) -> list[Connection]:
    """The saved connections (`AppPaths.connections_file`), in the user's order. Never raises
    (see `backend.json_file` for damaged and newer files)."""
    raw = _file(path).read() or {}
    entries = raw.get("connections", [])
    if not isinstance(entries, list):
        log.warning("connections file %s has no list of connections; ignored", path)
        return []
    found: list[Connection] = []
    for index, entry in enumerate(entries):
        try:
            if not isinstance(entry, dict):
                raise InvalidOptionError(translate("Connections", "not an object"))
            known = {f.name for f in dataclasses.fields(Connection)}
            found.append(_upgraded(Connection(**{k: v for k, v in entry.items() if k in known})))
        except (AppError, TypeError, ValueError) as exc:
            name = entry.get("name") if isinstance(entry, dict) else None
            log.warning("connection %d (%r) ignored: %s", index + 1, name,
                        exc if isinstance(exc, AppError) else type(exc).__name__)
    return found


def _upgraded(connection: Connection) -> Connection:
    """A DeepSeek API connection still set up with the retired model pair, moved to the model
    that replaced it and to the API's thinking switch (the old names are refused now)."""
    if (connection.endpoint.host != DEEPSEEK_API_HOST
            or connection.thinking is not ThinkingControl.MODEL_PAIR
            or {connection.model, connection.thinking_model} - _RETIRED_DEEPSEEK_MODELS):
        return connection
    log.info("connection %r: the retired deepseek-chat/deepseek-reasoner pair is now %s with "
             "the thinking switch", connection.name, DEEPSEEK_API_MODEL)
    return dataclasses.replace(connection, model=DEEPSEEK_API_MODEL,
                               thinking=ThinkingControl.API_SWITCH, thinking_model=None)


def save_connections(connections: Sequence[Connection], path: Path) -> None:
    """Write atomically and privately (mode 0600: the file holds API keys)."""
    entries = []
    for c in connections:
        entry = {f.name: getattr(c, f.name) for f in dataclasses.fields(c)}
        entry["thinking"] = c.thinking.value
        entries.append(entry)
    try:
        _file(path).write({"connections": entries})
    except OSError as exc:
        raise ConnectionsError(translate(
            "Connections", "Could not save the server connections to {path} ({error}). Check "
            "that the folder is writable and the disk is not full."
        ).format(path=path, error=exc.strerror or exc)) from exc


def _file(path: Path) -> JsonFile:
    return JsonFile(path, SCHEMA_VERSION, private=True)  # it holds API keys
