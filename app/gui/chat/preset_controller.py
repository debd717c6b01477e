"""A conversation's system prompt and sampling: summed up in the conversation header, changed in
its settings dialog, and saved with the conversation (a new chat holds them until its first
message creates it). Unset, they follow the default system prompt in Settings and the sampler
settings of the model's family."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Slot

from backend.chat.family import allows_system_prompt
from backend.chat.messages import ChatMessage, Role, Sampling
from backend.store.conversations import Conversation, ConversationStore
from ui.conversation_settings import ConversationSettingsDialog

if TYPE_CHECKING:
    from app.gui.chat.chat_controller import ModelContext
    from ui.main_window import MainWindow

TIP_CHARACTERS = 600


class PresetController(QObject):
    def __init__(self, window: MainWindow, store: ConversationStore,
                 models: ModelContext) -> None:
        super().__init__()
        self.window = window
        self.header = window.conversation_header
        self.store = store
        self.models = models
        self.conversation_id: str | None = None
        self.title = ""
        self.own_prompt: str | None = None  # None: the default from Settings
        self.own_sampling: Sampling | None = None  # None: the family's settings
        self.dialog: ConversationSettingsDialog | None = None
        self.header.edit_requested.connect(self._on_header_edit_requested)

    def show(self, conversation: Conversation | None) -> None:
        """The open conversation (None: a new chat, with the defaults)."""
        self.conversation_id = conversation.id if conversation else None
        self.title = conversation.title if conversation else ""
        self.own_prompt = conversation.system_prompt if conversation else None
        self.own_sampling = conversation.sampling if conversation else None
        self.refresh()

    # -- what an answer uses --------------------------------------------------------------------

    def system_prompt(self) -> str:
        return self.own_prompt if self.own_prompt is not None else (
            self.models.default_system_prompt())

    def sampling(self) -> Sampling | None:
        """The conversation's own, else the family's (None: a server's own defaults)."""
        return self.own_sampling or self.models.sampling()

    def messages(self, history: Sequence[ChatMessage]) -> tuple[ChatMessage, ...]:
        """The history with the system prompt first (the prompt builder folds it into the
        first question for models without a system role)."""
        system = self.system_prompt()
        lead = (ChatMessage(Role.SYSTEM, system),) if system.strip() else ()
        return (*lead, *history)

    # -- the header -----------------------------------------------------------------------------

    def fold_note(self) -> str:
        family = self.models.family()
        if family is None or allows_system_prompt(family.family):
            return ""
        return self.tr("{0} has no system role: as DeepSeek advises, the system prompt goes at "
                       "the start of the first message instead.").format(family.label)

    def refresh(self) -> None:
        """Say what the conversation uses now (after a model change, a settings change...)."""
        prompt = self.system_prompt()
        if not prompt.strip():
            system = self.tr("No system prompt")
            tip = self.tr("The model gets only your messages. Click to give this conversation "
                          "a system prompt.")
        else:
            system = (self.tr("System prompt: default") if self.own_prompt is None
                      else self.tr("System prompt: custom"))
            tip = prompt if len(prompt) <= TIP_CHARACTERS else prompt[:TIP_CHARACTERS] + "…"
        if note := self.fold_note():
            tip += "\n\n" + note
        sampling = self.sampling()
        if sampling is None:
            sampling_text = self.tr("Sampling: the server's")
            sampling_tip = self.tr("The server's own sampler settings are used.")
        else:
            sampling_text = self.tr("Temperature {0:g} · top-p {1:g}").format(
                sampling.temperature, sampling.top_p)
            family = self.models.family()
            if self.own_sampling is not None:
                sampling_tip = self.tr("This conversation's own sampler settings.")
            elif family is not None:
                sampling_tip = self.tr("The settings for {0} (Settings → Sampling).").format(
                    family.label)
            else:
                sampling_tip = self.tr("The recommended sampler settings.")
        self.header.show_conversation(self.title or self.tr("New chat"), system, tip,
                                      sampling_text, sampling_tip)

    # -- the dialog -----------------------------------------------------------------------------

    @Slot()
    def _on_header_edit_requested(self) -> None:
        family = self.models.family()
        recommended = self.models.sampling()
        if recommended is None:
            label = self.tr("Use the server's own settings")
        elif family is not None:
            label = self.tr("Use the settings for {0}").format(family.label)
        else:
            label = self.tr("Use the recommended settings")
        dialog = ConversationSettingsDialog(
            system_prompt=self.own_prompt, default_prompt=self.models.default_system_prompt(),
            fold_note=self.fold_note(), sampling=self.own_sampling, recommended=recommended,
            recommended_label=label, parent=self.window)
        dialog.applied.connect(self._on_dialog_applied)
        self.dialog = dialog
        dialog.open()

    @Slot(object, object)
    def _on_dialog_applied(self, prompt: str | None, sampling: Sampling | None) -> None:
        self.own_prompt, self.own_sampling = prompt, sampling
        if self.conversation_id is not None:
            self.store.set_system_prompt(self.conversation_id, prompt)
            self.store.set_sampling(self.conversation_id, sampling)
        self.refresh()
