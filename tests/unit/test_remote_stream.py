"""Chat-completion chunks → deltas, endpoints, backoff and error bodies, without a network."""

from __future__ import annotations

import itertools

import pytest

from backend.chat.events import AnswerDelta, FinishReason, ReasoningDelta
from backend.errors import InvalidOptionError
from backend.remote.chunks import (
    ChunkDecoder,
    MalformedChunk,
    ServerReportedError,
    Usage,
    finish_reason,
)
from backend.remote.http_client import Endpoint, error_message, parse_retry_after
from backend.retry import Backoff


def chunk(content: str | None = None, reasoning: str | None = None, *, field: str =
          "reasoning_content", finish: str | None = None) -> dict[str, object]:
    delta: dict[str, object] = {"role": "assistant"}
    if content is not None:
        delta["content"] = content
    if reasoning is not None:
        delta[field] = reasoning
    return {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


def decode(chunks: list[dict[str, object]], *, opened: bool = False) -> list[object]:
    decoder = ChunkDecoder(opened_think=opened, clock=itertools.count().__next__)
    out: list[object] = []
    for c in chunks:
        out += decoder.feed(c)
    return out + decoder.finish()


def texts(deltas: list[object]) -> tuple[str, str]:
    reasoning = "".join(d.text for d in deltas if isinstance(d, ReasoningDelta))
    answer = "".join(d.text for d in deltas if isinstance(d, AnswerDelta))
    return reasoning, answer


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
def test_reasoning_in_its_own_field_then_the_answer(field: str) -> None:
    deltas = decode([chunk(reasoning="\n\n", field=field), chunk(reasoning="Think ", field=field),
                     chunk(reasoning="hard.\n\n", field=field), chunk(content="\n\nFour."),
                     chunk(finish="stop")], opened=True)
    assert deltas == [ReasoningDelta("Think"), ReasoningDelta(" hard."), AnswerDelta("Four.")]


def test_inline_think_tags_split_anywhere() -> None:
    pieces = ["<th", "ink>", "Hmm, ", "let me see.", "</thi", "nk>\n\n", "It is ", "4."]
    assert texts(decode([chunk(content=p) for p in pieces])) == ("Hmm, let me see.", "It is 4.")


def test_a_template_that_opened_the_block_starts_inside_the_reasoning() -> None:
    pieces = ["Let me ", "see.", "</think>", "\n\nIt is 4."]
    assert texts(decode([chunk(content=p) for p in pieces], opened=True)) == (
        "Let me see.", "It is 4.")
    # The same text with thinking off is all answer (the tag is ordinary text there).
    assert texts(decode([chunk(content=p) for p in pieces]))[0] == ""


def test_field_reasoning_wins_over_an_opened_template() -> None:
    # A server with a reasoning parser: content is the answer even though thinking was on.
    deltas = decode([chunk(reasoning="Plan."), chunk(content="Done.")], opened=True)
    assert texts(deltas) == ("Plan.", "Done.")


def test_usage_timing_and_finish_reason_are_kept() -> None:
    decoder = ChunkDecoder(opened_think=False, clock=iter([1.0, 2.0, 3.0]).__next__)
    decoder.feed(chunk(content="a"))
    decoder.feed(chunk(content=""))  # role-only and empty chunks are not tokens
    decoder.feed(chunk(content="b"))
    decoder.feed(chunk(finish="length"))
    decoder.feed({"choices": [], "usage": {"prompt_tokens": 10, "completion_tokens": 3,
                                           "prompt_cache_hit_tokens": 6}})
    assert (decoder.first_at, decoder.last_at, decoder.text_chunks) == (1.0, 2.0, 2)
    assert decoder.usage == Usage(10, 3, 6)
    assert finish_reason(decoder.finish_reason) is FinishReason.LENGTH
    assert finish_reason("stop") is finish_reason("content_filter") is FinishReason.STOP


@pytest.mark.parametrize(("chunk_value", "message"), [
    ([1], "an event is a JSON list, not an object"),
    ({"id": "x"}, "an event has no 'choices' list"),
    ({"choices": ["x"]}, "a choice is not an object"),
    ({"choices": [{"delta": "x"}]}, "a choice's 'delta' is not an object"),
    ({"choices": [{"delta": {"content": 5}}]}, "'delta.content' is int, not a text"),
    ({"choices": [], "usage": {"prompt_tokens": "many"}}, "'usage' does not hold token counts"),
])
def test_malformed_chunks_say_what_is_wrong(chunk_value: object, message: str) -> None:
    with pytest.raises(MalformedChunk) as caught:
        ChunkDecoder(opened_think=False).feed(chunk_value)
    assert str(caught.value) == message


def test_an_error_object_in_the_stream() -> None:
    with pytest.raises(ServerReportedError, match="^CUDA out of memory$"):
        ChunkDecoder(opened_think=False).feed({"error": {"message": "CUDA out of memory"}})


def test_endpoint_from_base_urls() -> None:
    deepseek = Endpoint.parse("https://api.deepseek.com")
    assert deepseek.url("/models") == "https://api.deepseek.com/v1/models"
    assert deepseek.address == "api.deepseek.com:443"
    e = Endpoint.parse(" http://10.0.0.5:8000/v1/ ")
    assert (e.address, e.prefix) == ("10.0.0.5:8000", "/v1")
    assert Endpoint.parse("http://[::1]:8080/api/openai").address == "[::1]:8080"
    with pytest.raises(InvalidOptionError) as caught:
        Endpoint.parse("api.deepseek.com")
    assert str(caught.value) == (
        "'api.deepseek.com' is not a server address: it must start with http:// or https:// "
        "and name a host, e.g. http://127.0.0.1:8000/v1.")


def test_backoff_and_retry_after() -> None:
    policy = Backoff(attempts=4, base_delay_s=0.5, max_delay_s=3.0, retry_after_limit_s=3.0)
    assert [policy.delay(n) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, None]
    assert policy.delay(1, retry_after=2.0) == 2.0
    assert policy.delay(1, retry_after=30.0) is None  # too long to sit out: tell the user
    patient = Backoff(attempts=9, base_delay_s=1.0, max_delay_s=60.0, retry_after_limit_s=None)
    assert patient.delay(8, retry_after=120.0) == 120.0 and patient.delay(9) is None
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == 10.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_error_message_from_bodies() -> None:
    assert error_message('{"error": {"message": "Model Not Exist"}}') == "Model Not Exist"
    assert error_message('{"detail": "Not Found"}') == "Not Found"
    assert error_message('{"error": "bad"}') == "bad"
    assert error_message("upstream   timed out") == "upstream timed out"
    assert error_message("<html>502</html>") == ""
