"""Chats that other programs had with the API server, kept as conversations when the user asks
(Settings → API server → "Save the server's chats").

Clients of an OpenAI-compatible API send the whole history with every request, so one chat
arrives as a series of requests, each one turn longer. An exchange continues the conversation
whose messages are exactly the request's earlier turns (and whose system prompt is the
request's); otherwise it starts a new one, with those earlier turns. So a chat from Open WebUI
or an editor reads as one conversation in the sidebar, not one per question.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from backend.chat.events import GenerationStats
from backend.chat.messages import ChatMessage, ChatRequest, MessageState, Role
from backend.store.conversations import ConversationStore, title_from_first_message

# Conversations looked at, most recently used first, for the one a request continues.
RECENT = 50


@dataclass(frozen=True, slots=True)
class ServedExchange:
    """One answered request: what came in, and what the model answered."""

    request: ChatRequest
    answer: str
    reasoning: str
    stats: GenerationStats
    model: str  # the label of the model that answered


def save_exchange(store: ConversationStore, exchange: ServedExchange) -> str | None:
    """File `exchange` in `store`; returns its conversation's id, or None when the request did
    not end with a user's message (nothing a person would call a chat turn)."""
    messages = exchange.request.messages
    system = "\n\n".join(m.content for m in messages if m.role is Role.SYSTEM) or None
    turns = [m for m in messages if m.role is not Role.SYSTEM]
    if not turns or turns[-1].role is not Role.USER:
        return None
    *earlier, question = turns
    conversation_id = _continued(store, earlier, system) if earlier else None
    if conversation_id is None:
        conversation_id = store.create_conversation(
            title_from_first_message(turns[0].content),
            deep_thinking=exchange.request.deep_thinking, model=exchange.model,
            system_prompt=system).id
        for message in earlier:
            store.add_message(conversation_id, message.role, message.content)
    store.add_message(conversation_id, Role.USER, question.content,
                      attachments=question.attachments)
    answer = store.add_message(conversation_id, Role.ASSISTANT, "", model=exchange.model,
                               state=MessageState.STREAMING)
    store.finish_message(answer.id, content=exchange.answer, reasoning=exchange.reasoning,
                         thinking_seconds=None, stats=exchange.stats,
                         state=MessageState.COMPLETE)
    return conversation_id


def _continued(store: ConversationStore, earlier: Sequence[ChatMessage],
               system: str | None) -> str | None:
    wanted = _turns(earlier)
    for conversation in store.conversations()[:RECENT]:
        if (conversation.system_prompt or None) != system:
            continue
        if _turns(store.history(conversation.id)) == wanted:
            return conversation.id
    return None


def _turns(messages: Sequence[ChatMessage]) -> list[tuple[Role, str]]:
    # Clients send the answer back as they showed it: reasoning dropped, ends trimmed.
    return [(m.role, m.content.strip()) for m in messages if m.role is not Role.SYSTEM]
