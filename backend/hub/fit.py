"""Will a checkpoint run here, and how fast? The verdict shown before a byte is downloaded.

The tensor inventory is synthesized from the architecture (the 671B MoE, V3.2's 685B with its
indexer, V4-Flash's 284B or V4-Pro's 1.6T with their compressed attention, or a distill's dense
base) and scaled to the hub's file sizes (or the catalog's approximate ones offline), then
planned for this machine exactly as a real load would be. Options sort by what runs best:
usable speed first, then the most capable model.
"""

from __future__ import annotations

import math
import re

from backend.chat.family import ModelFamily
from backend.engine.offload import Machine, OffloadPlan, PlanOptions, PlanVerdict, plan_offload
from backend.gguf.layout import ModelLayout
from backend.gguf.shapes import DISTILLS, RECIPES, deepseek_v3_layout, dense_layout, scaled_to
from backend.gguf.v4_shapes import deepseek_v32_layout, v4_layout_for
from backend.hub.catalog import CatalogOption, FitVerdict, VerdictFn
from backend.i18n import translate
from backend.units import format_bytes

MOE_PARAMS = 671e9
_PARAMETERS = {ModelFamily.V3_2: 685e9}
_PARAMS_RE = re.compile(r"(\d+(?:\.\d+)?)B\b")


def layout_for(option: CatalogOption) -> ModelLayout | None:
    total = option.total_bytes
    if not total:
        return None
    if option.family is ModelFamily.R1_DISTILL:
        config = next((c for key, c in DISTILLS.items() if key.lower() in option.model.name.lower()),
                      None)
        return dense_layout(config, total) if config else None
    if option.family is ModelFamily.V4:
        return v4_layout_for(option.model.name, option.quant, total)
    recipe = next((r for name, r in RECIPES.items() if name.lower() == option.quant.lower()), None)
    if option.family is ModelFamily.V3_2:
        return scaled_to(deepseek_v32_layout(recipe or "Q4_K_M"), total)
    return scaled_to(deepseek_v3_layout(recipe or "Q4_K_M"), total)


def parameters(option: CatalogOption) -> float:
    if option.family is ModelFamily.V4:
        return 1.6e12 if "pro" in option.model.name.lower() else 284e9
    if option.family is not ModelFamily.R1_DISTILL:
        return _PARAMETERS.get(option.family, MOE_PARAMS)
    match = _PARAMS_RE.search(option.model.name)
    return float(match.group(1)) * 1e9 if match else 7e9


def fit_verdict(option: CatalogOption, machine: Machine, n_ctx: int = 8192) -> FitVerdict | None:
    layout = layout_for(option)
    if layout is None:
        return None
    plan = plan_offload(layout, machine, PlanOptions(n_ctx=min(n_ctx, layout.n_ctx_train)))
    text = verdict_text(plan, dense=layout.n_expert == 0)
    if option.approximate:
        text = translate("Fit", "{verdict} (approximate)").format(verdict=text)
    return FitVerdict(text, _rank(option, plan))


def verdict_text(plan: OffloadPlan, *, dense: bool = False) -> str:
    tps = plan.expected_tps
    if tps >= 2:
        speed = translate("Fit", "~{tps:.0f} tok/s").format(tps=tps)
    else:
        speed = translate("Fit", "~{tps:.1f} tok/s").format(tps=tps)
    if plan.verdict is PlanVerdict.FITS_GPU:
        return translate("Fit", "Runs on your GPU")
    if plan.verdict is PlanVerdict.EXPERTS_IN_RAM:
        if dense:
            return translate("Fit", "GPU + CPU ({speed})").format(speed=speed)
        return translate("Fit", "GPU + experts in RAM ({speed})").format(speed=speed)
    if plan.verdict is PlanVerdict.CPU_ONLY:
        return translate("Fit", "CPU only ({speed})").format(speed=speed)
    needed = plan.gpu_bytes + plan.cpu_bytes
    return translate(
        "Fit", "Too large for this machine (needs {size} RAM+VRAM)"
    ).format(size=format_bytes(needed))


def _rank(option: CatalogOption, plan: OffloadPlan) -> float:
    """Lower is better: a speed tier (fluent, usable, painful, impossible), then capability."""
    tps = plan.expected_tps
    if plan.verdict is PlanVerdict.EXCEEDS_MEMORY:
        return 300 + math.log10(max(option.total_bytes or 1, 1))  # the nearest to fitting first
    if tps >= 5:
        tier = 0
    elif tps >= 1.5:
        tier = 1
    else:
        tier = 2
    params = parameters(option)
    bits = 8 * (option.total_bytes or 0) / params
    capability = math.log10(params) + min(bits, 5.0) / 5.0  # 671B at 1.6 bits beats 70B at 4.5
    return tier * 100 - capability


def verdict_function(machine: Machine, n_ctx: int = 8192) -> VerdictFn:
    def verdict(option: CatalogOption) -> FitVerdict | None:
        return fit_verdict(option, machine, n_ctx)

    return verdict
