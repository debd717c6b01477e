"""Opens the Settings dialog and applies what it returns: save, theme, a reload when the model's
memory layout (context, KV cache, offload, threads, RPC workers) changed, the server
connections (tested off the GUI thread by `ConnectionTester`), and the API server (started or
stopped by the app controller's `ServerController`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.gui.connection_tester import ConnectionTester
from backend.engine import rpc
from backend.engine.offload import PlanOptions, plan_offload
from backend.engine.snapshot_store import GiB, disk_cap_for
from backend.serve.api_server import lan_address
from backend.settings import Settings
from ui.settings.settings_dialog import Estimate, PlanEstimate, SettingsDialog

if TYPE_CHECKING:
    from app.gui.app_controller import AppController

_RELOAD_FIELDS = ("n_ctx", "kv_type", "cpu_moe_layers", "n_threads", "rpc_servers")


def open_settings_dialog(controller: AppController) -> SettingsDialog:
    loaded = controller.models.loaded
    estimate: Estimate | None = None
    n_moe = 0
    if loaded is not None:
        layout = loaded.info.layout
        machine = controller.models.machine()
        n_moe = len(layout.moe_layers)

        def estimate(cpu_moe: int | None, n_ctx: int, kv_type: str) -> PlanEstimate:
            plan = plan_offload(layout, machine, PlanOptions(
                n_ctx=min(n_ctx, layout.n_ctx_train), kv_type=kv_type, cpu_moe_layers=cpu_moe))
            return PlanEstimate("\n".join([plan.summary(), *plan.notes]), plan.over_budget)

    automatic = disk_cap_for(controller.paths.kv_snapshots, None) / GiB
    dialog = SettingsDialog(controller.settings, n_moe_layers=n_moe, estimate=estimate,
                            connections=controller.connections,
                            rpc_supported=rpc.supported(), lan_address=lan_address(),
                            cache_usage=controller.snapshots.usage,
                            automatic_cache_gib=automatic, parent=controller.window)
    dialog.cache_clear_requested.connect(controller.clear_snapshots)
    dialog.applied.connect(controller.apply_settings)
    dialog.connections_applied.connect(controller.apply_connections)
    tester = ConnectionTester(dialog)
    dialog.connections_page.test_requested.connect(tester.test)
    tester.finished.connect(dialog.connections_page.show_test_result)
    dialog.open()
    return dialog


def needs_reload(old: Settings, new: Settings) -> bool:
    return any(getattr(old, f) != getattr(new, f) for f in _RELOAD_FIELDS)
