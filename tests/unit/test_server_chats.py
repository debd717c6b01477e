"""Server chats saved as conversations: a client's growing history files into one conversation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.chat.events import FinishReason, GenerationStats
from backend.chat.messages import ChatMessage, ChatRequest, MessageState, Role
from backend.store.conversations import ConversationStore
from backend.store.server_chats import ServedExchange, save_exchange

STATS = GenerationStats(prompt_tokens=30, cached_tokens=0, completion_tokens=5, ttft_s=0.1,
                        prompt_tps=300.0, decode_tps=50.0, finish_reason=FinishReason.STOP)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ConversationStore]:
    with ConversationStore(tmp_path / "chats.db") as s:
        yield s


def exchange(*messages: tuple[Role, str], answer: str = "Four.",
             reasoning: str = "2+2") -> ServedExchange:
    request = ChatRequest(tuple(ChatMessage(r, c) for r, c in messages), deep_thinking=True)
    return ServedExchange(request, answer, reasoning, STATS, "DeepSeek-R1-Distill-Qwen-7B")


def test_a_first_question_starts_a_conversation_titled_by_it(store: ConversationStore) -> None:
    cid = save_exchange(store, exchange((Role.SYSTEM, "Be brief."),
                                        (Role.USER, "What is 2+2?")))
    assert cid is not None
    conversation = store.get_conversation(cid)
    assert conversation.title == "What is 2+2?"
    assert conversation.system_prompt == "Be brief."
    assert conversation.model == "DeepSeek-R1-Distill-Qwen-7B"
    question, answer = store.messages(cid)
    assert (question.role, question.content) == (Role.USER, "What is 2+2?")
    assert (answer.role, answer.content, answer.reasoning) == (Role.ASSISTANT, "Four.", "2+2")
    assert answer.state is MessageState.COMPLETE
    assert answer.stats == STATS


def test_the_next_request_of_the_same_chat_continues_it(store: ConversationStore) -> None:
    first = save_exchange(store, exchange((Role.USER, "What is 2+2?")))
    other = save_exchange(store, exchange((Role.USER, "Hello")))
    # The client sends the answer back as it showed it: no reasoning, ends trimmed.
    again = save_exchange(store, exchange((Role.USER, "What is 2+2?"),
                                          (Role.ASSISTANT, "Four.\n"),
                                          (Role.USER, "And 3+3?"), answer="Six."))
    assert again == first != other
    assert [m.content for m in store.messages(first)] == [
        "What is 2+2?", "Four.", "And 3+3?", "Six."]
    assert len(store.conversations()) == 2


def test_a_history_no_conversation_has_starts_a_new_one_with_it(
        store: ConversationStore) -> None:
    save_exchange(store, exchange((Role.USER, "What is 2+2?")))
    cid = save_exchange(store, exchange((Role.USER, "What is 2+2?"),
                                        (Role.ASSISTANT, "Five."),  # edited by the client
                                        (Role.USER, "Sure?"), answer="No: four."))
    assert cid is not None
    assert [m.content for m in store.messages(cid)] == [
        "What is 2+2?", "Five.", "Sure?", "No: four."]
    assert len(store.conversations()) == 2
    # A different system prompt is a different chat too.
    third = save_exchange(store, exchange((Role.SYSTEM, "Be brief."), (Role.USER, "What is 2+2?"),
                                          (Role.ASSISTANT, "Four."), (Role.USER, "Sure?")))
    assert third not in (cid, None) and len(store.conversations()) == 3


def test_a_request_that_does_not_end_with_a_question_is_not_saved(
        store: ConversationStore) -> None:
    assert save_exchange(store, exchange((Role.USER, "Hi"), (Role.ASSISTANT, "Hel"))) is None
    assert save_exchange(store, exchange((Role.SYSTEM, "Only a system prompt"))) is None
    assert store.conversations() == []
