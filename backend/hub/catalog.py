"""The DeepSeek checkpoints we offer, read from `resources/catalog.json`, resolved live on the hub.

The JSON holds what does not change (repo, quant, file pattern, family, thinking mode, sampling,
licence); file lists, sizes and hashes come from the hub at one pinned commit, so an entry never
shows a stale size once the hub answers. Until it does (offline, behind a proxy) each quant's
approximate size from the JSON stands in, marked approximate, so the fit verdict and the
recommendation still work. The hardware-fit verdict is attached by a callable passed to
`resolve_catalog` (see `VerdictFn`): this module only carries it and sorts by it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

from backend import i18n
from backend.chat.family import ModelFamily, ThinkingMode
from backend.chat.messages import Sampling
from backend.engine.libraries import is_supported_architecture, runtime_name
from backend.errors import AppError
from backend.gguf.file_sets import UnitKind, group_units
from backend.hub.client import RemoteFile, RepoSnapshot
from backend.hub.download_errors import QuantNotFoundError, RemoteSplitSetIncompleteError
from backend.i18n import translate

SCHEMA_VERSION = 1
LOCALIZED_FIELDS = frozenset({"parameters", "license", "license_note", "description"})
FAMILIES = tuple(f.value for f in ModelFamily if f is not ModelFamily.OTHER)


class CatalogError(AppError, ValueError):
    """The catalog file is malformed (an edit went wrong)."""


@dataclass(frozen=True, slots=True)
class QuantSpec:
    quant: str
    patterns: tuple[str, ...]  # globs over repo paths, {quant} already substituted


@dataclass(frozen=True, slots=True)
class CatalogModel:
    id: str
    name: str
    repo: str
    family: ModelFamily
    thinking: ThinkingMode
    parameters: str
    sampling: Sampling
    system_prompt: bool  # False: put instructions in the user turn (R1's advice)
    license: str
    license_note: str
    description: str
    quants: tuple[QuantSpec, ...]
    # (language, field, text): the catalog's own translations of the descriptive fields
    localized: tuple[tuple[str, str, str], ...] = ()
    # (quant, bytes): sizes to show while the hub cannot be reached (published or estimated)
    approx_sizes: tuple[tuple[str, int], ...] = ()
    architecture: str = ""  # llama.cpp's name for it, when this llama.cpp may not run it

    def approx_size(self, quant: str) -> int | None:
        return next((size for q, size in self.approx_sizes if q.lower() == quant.lower()), None)

    def runnable(self) -> bool:
        """Whether the bundled llama.cpp can run this model's architecture."""
        return not self.architecture or is_supported_architecture(self.architecture)

    def text(self, field: str) -> str:
        """`field` (parameters, license, license_note, description) in the interface language,
        English where the catalog has no translation."""
        language = i18n.language()
        for lang, name, text in self.localized:
            if lang == language and name == field:
                return text
        return str(getattr(self, field))

    def quant(self, name: str) -> QuantSpec | None:
        return next((q for q in self.quants if q.quant.lower() == name.lower()), None)


@dataclass(frozen=True, slots=True)
class Catalog:
    models: tuple[CatalogModel, ...]

    def by_repo(self, repo: str) -> CatalogModel | None:
        return next((m for m in self.models if m.repo.lower() == repo.lower()), None)


@dataclass(frozen=True, slots=True)
class FitVerdict:
    """How well a quant runs here. Filled by the offload planner's verdict function, never here.

    `text` is what the user reads ("Runs on your GPU"); `rank` orders options (lower runs better).
    """

    text: str
    rank: float


@dataclass(frozen=True, slots=True)
class CatalogOption:
    """One quant of one model as the hub has it now: what a verdict and a download start from."""

    model: CatalogModel
    quant: str
    commit: str | None  # the hub commit the file list was read at (None: hub not reached)
    files: tuple[RemoteFile, ...]  # every file of the quant, split parts included, in order
    problem: str | None = None  # why the quant cannot be downloaded now
    verdict: FitVerdict | None = None
    approx_bytes: int | None = None  # the catalog's size, shown while the hub is out of reach

    @property
    def repo(self) -> str:
        return self.model.repo

    @property
    def family(self) -> ModelFamily:
        return self.model.family

    @property
    def thinking(self) -> ThinkingMode:
        return self.model.thinking

    @property
    def total_bytes(self) -> int | None:
        """The hub's size; until the hub is reached, the catalog's approximate one."""
        if self.files:
            return sum(f.size for f in self.files)
        return self.approx_bytes if self.approximate else None

    @property
    def approximate(self) -> bool:
        """The size is the catalog's estimate: the hub has not been reached for this repo."""
        return not self.files and self.commit is None and self.approx_bytes is not None

    @property
    def available(self) -> bool:
        return self.problem is None and bool(self.files)

    @property
    def judgeable(self) -> bool:
        """A fit verdict makes sense: the files are there, or the hub was out of reach and the
        catalog knows the size (never for a model this llama.cpp cannot run)."""
        if not self.model.runnable():
            return False
        return self.available or self.approximate


# The single seam for section 2 of the model-manager issue: the offload planner provides it.
VerdictFn = Callable[[CatalogOption], FitVerdict | None]


class SnapshotSource(Protocol):
    def snapshot(self, repo: str, revision: str = "main") -> RepoSnapshot: ...


def load_catalog(path: Path | None = None) -> Catalog:
    """The catalog from `path`, or the one shipped in `resources/`."""
    where = str(path) if path else "resources/catalog.json"
    try:
        if path is None:
            text = resources.files("resources").joinpath("catalog.json").read_text("utf-8")
        else:
            text = path.read_text(encoding="utf-8")
        raw = json.loads(text)
    except (OSError, ValueError) as err:
        raise CatalogError(
            translate(
                "Catalog",
                "The model catalog {where} cannot be read ({error}). Fix the file or reinstall the "
                "app.",
            ).format(where=where, error=err)
        ) from err
    if raw.get("schema") != SCHEMA_VERSION:
        raise CatalogError(
            translate(
                "Catalog",
                "The model catalog {where} has schema {schema!r}; this app reads schema "
                "{supported}. Update the app or the file.",
            ).format(where=where, schema=raw.get("schema"), supported=SCHEMA_VERSION)
        )
    return Catalog(tuple(_parse_model(item, i, where) for i, item in enumerate(raw["models"])))


def _parse_model(item: dict[str, Any], index: int, where: str) -> CatalogModel:
    def fail(key: str, expected: str) -> CatalogError:
        return CatalogError(
            translate(
                "Catalog",
                "The model catalog {where} is invalid: models[{index}].{key} must be {expected} "
                "(got {value!r}). Fix the file or reinstall the app.",
            ).format(where=where, index=index, key=key, expected=expected, value=item.get(key))
        )

    def one_of(values: Iterable[str]) -> str:
        return translate("Catalog", "one of {values}").format(values=", ".join(values))

    for key in ("id", "name", "repo", "license", "license_note"):
        if not isinstance(item.get(key), str) or not item[key]:
            raise fail(key, translate("Catalog", "a non-empty string"))
    if "/" not in item["repo"]:
        raise fail("repo", translate("Catalog", "owner/name"))
    if item.get("family") not in FAMILIES:
        raise fail("family", one_of(FAMILIES))
    try:
        thinking = ThinkingMode(str(item.get("thinking")))
    except ValueError:
        raise fail("thinking", one_of(("always", "never", "hybrid"))) from None
    sampling = item.get("sampling") or {}
    if not all(isinstance(sampling.get(k), int | float) for k in ("temperature", "top_p")):
        example = '{"temperature": 0.6, "top_p": 0.95}'
        raise fail(
            "sampling", translate("Catalog", "an object like {example}").format(example=example)
        )
    default_patterns = item.get("pattern")
    if isinstance(default_patterns, str):
        default_patterns = [default_patterns]
    quants: list[QuantSpec] = []
    for q in item.get("quants") or []:
        name, patterns = (
            (q, default_patterns)
            if isinstance(q, str)
            else (q.get("quant"), q.get("pattern", default_patterns))
        )
        if isinstance(patterns, str):
            patterns = [patterns]
        if not name or not patterns:
            raise fail(
                "quants",
                translate("Catalog", "quant names, with a pattern for the model or each quant"),
            )
        quants.append(QuantSpec(name, tuple(p.replace("{quant}", name) for p in patterns)))
    if not quants:
        raise fail("quants", translate("Catalog", "a non-empty list"))
    approx = item.get("approximate_gb") or {}
    if not isinstance(approx, dict) or not all(
            isinstance(v, int | float) and v > 0 for v in approx.values()):
        raise fail("approximate_gb", translate("Catalog", "an object of quant: size in GB"))
    return CatalogModel(
        id=item["id"],
        name=item["name"],
        repo=item["repo"],
        family=ModelFamily(item["family"]),
        thinking=thinking,
        parameters=item.get("parameters", ""),
        sampling=Sampling(
            temperature=float(sampling["temperature"]), top_p=float(sampling["top_p"])
        ),
        system_prompt=bool(item.get("system_prompt", True)),
        license=item["license"],
        license_note=item["license_note"],
        description=item.get("description", ""),
        quants=tuple(quants),
        localized=tuple(
            (lang, key, text)
            for lang in i18n.TRANSLATED
            if isinstance(item.get(lang), dict)
            for key, text in item[lang].items()
            if key in LOCALIZED_FIELDS and isinstance(text, str) and text
        ),
        approx_sizes=tuple((str(q), int(float(gb) * 1e9)) for q, gb in approx.items()),
        architecture=str(item.get("architecture", "")),
    )


# -- quant files ---------------------------------------------------------------------------------


def match_files(files: Iterable[RemoteFile], spec: QuantSpec) -> tuple[RemoteFile, ...]:
    """The GGUF files of a quant, in path order (so split parts come 1, 2, 3...)."""
    return tuple(
        sorted(
            (
                f
                for f in files
                if f.path.lower().endswith(".gguf")
                and any(fnmatchcase(f.path, p) for p in spec.patterns)
            ),
            key=lambda f: f.path,
        )
    )


def guess_quant_files(files: Iterable[RemoteFile], quant: str) -> tuple[RemoteFile, ...]:
    """For repos outside the catalog: files in a folder named after the quant, else named after it.

    `Q4_K_M` matches `Q4_K_M/...`, `DeepSeek-R1-Q4_K_M/...`, `X-Q4_K_M.gguf` and
    `X.Q4_K_M-00001-of-00002.gguf`.
    """
    q = quant.lower()
    ggufs = [f for f in files if f.path.lower().endswith(".gguf")]

    def folder_matches(f: RemoteFile) -> bool:
        folder = PurePosixPath(f.path).parent.name.lower()
        return folder == q or folder.endswith(("-" + q, "." + q))

    def name_matches(f: RemoteFile) -> bool:
        units = group_units([PurePosixPath(f.path).name])
        stem = units[0].name.lower() if units else ""
        return stem == q or stem.endswith(("-" + q, "." + q))

    chosen = [f for f in ggufs if folder_matches(f)] or [f for f in ggufs if name_matches(f)]
    return tuple(sorted(chosen, key=lambda f: f.path))


def quant_files(
    snapshot: RepoSnapshot, quant: str, catalog: Catalog | None = None
) -> tuple[RemoteFile, ...]:
    """Every file of `quant` in the snapshot, split parts included, checked to be complete."""
    model = catalog.by_repo(snapshot.repo) if catalog else None
    spec = model.quant(quant) if model else None
    files = match_files(snapshot.files, spec) if spec else guess_quant_files(snapshot.files, quant)
    if not files:
        quants = ", ".join(available_quants(snapshot, catalog)) or translate(
            "Catalog", "none found"
        )
        raise QuantNotFoundError(
            translate(
                "Catalog",
                "No {quant} files in {repo} at revision {commit}. Quants there: {quants}.",
            ).format(quant=quant, repo=snapshot.repo, commit=snapshot.commit[:12], quants=quants)
        )
    check_complete(snapshot, files)
    return files


def check_complete(snapshot: RepoSnapshot, files: Iterable[RemoteFile]) -> None:
    for unit in group_units([f.path for f in files]):
        if unit.kind is UnitKind.SPLIT and unit.missing:
            raise RemoteSplitSetIncompleteError(
                translate(
                    "Catalog",
                    "The hub has an incomplete split set {name} in {repo} at revision "
                    "{commit}: {missing} missing. It could not be "
                    "loaded; choose another quant or revision.",
                ).format(
                    name=unit.name,
                    repo=snapshot.repo,
                    commit=snapshot.commit[:12],
                    missing=", ".join(unit.missing),
                )
            )


def available_quants(snapshot: RepoSnapshot, catalog: Catalog | None = None) -> list[str]:
    """Quant names to suggest: the catalog's that exist, else the folders/suffixes of the GGUFs."""
    model = catalog.by_repo(snapshot.repo) if catalog else None
    if model:
        return [q.quant for q in model.quants if match_files(snapshot.files, q)]
    names: list[str] = []
    for unit in group_units([f.path for f in snapshot.files]):
        if unit.kind is UnitKind.OTHER:
            continue
        folder = PurePosixPath(unit.first).parent.name
        label = folder if unit.kind is UnitKind.SPLIT and folder else unit.name
        if label not in names:
            names.append(label)
    return names


# -- resolving against the hub -------------------------------------------------------------------


def newer_runtime_problem(model: CatalogModel) -> str | None:
    """Why a model of an architecture this llama.cpp cannot run is offered but not downloadable."""
    if model.runnable():
        return None
    return translate(
        "Catalog", "needs a newer llama.cpp: the one in this app ({runtime}) cannot run {arch} "
        "models yet"
    ).format(runtime=runtime_name(), arch=model.architecture)


def offline_options(model: CatalogModel, problem: str) -> list[CatalogOption]:
    """The model's quants when the hub could not be reached: approximate sizes, no files."""
    return [CatalogOption(model, q.quant, None, (), newer_runtime_problem(model) or problem,
                          approx_bytes=model.approx_size(q.quant)) for q in model.quants]


def resolve_model(model: CatalogModel, snapshot: RepoSnapshot) -> list[CatalogOption]:
    options = []
    newer = newer_runtime_problem(model)
    for spec in model.quants:
        files = match_files(snapshot.files, spec)
        problem = newer
        if problem is None and not files:
            problem = translate("Catalog", "not on the hub at revision {commit}").format(
                commit=snapshot.commit[:12]
            )
        elif problem is None:
            try:
                check_complete(snapshot, files)
            except RemoteSplitSetIncompleteError as err:
                problem = str(err)
        options.append(CatalogOption(model, spec.quant, snapshot.commit, files, problem,
                                     approx_bytes=model.approx_size(spec.quant)))
    return options


def resolve_catalog(
    catalog: Catalog,
    hub: SnapshotSource,
    *,
    verdict: VerdictFn | None = None,
    models: Iterable[CatalogModel] | None = None,
) -> list[CatalogOption]:
    """Every quant of every model with live files and sizes; a repo the hub refuses gets a problem.

    With `verdict`, each available option gets one and the list is sorted by its rank (stable, so
    ties keep catalog order).
    """
    chosen = list(models if models is not None else catalog.models)

    def resolve(model: CatalogModel) -> list[CatalogOption]:
        try:
            snapshot = hub.snapshot(model.repo)
        except AppError as err:
            if isinstance(err, ConnectionError):  # offline, a proxy, the hub down: estimates
                return offline_options(model, str(err))
            return [CatalogOption(model, q.quant, None, (), newer_runtime_problem(model) or str(err))
                    for q in model.quants]
        return resolve_model(model, snapshot)

    # One metadata request per repo; a dozen repos read one after the other would take seconds.
    with ThreadPoolExecutor(max_workers=6, thread_name_prefix="catalog") as pool:
        options = [o for per_model in pool.map(resolve, chosen) for o in per_model]
    if verdict is None:
        return options
    judged = [replace(o, verdict=verdict(o)) if o.judgeable else o for o in options]
    return sorted(judged, key=lambda o: o.verdict.rank if o.verdict else float("inf"))
