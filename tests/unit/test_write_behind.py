"""WriteBehind: every received byte written in order by one writer thread; a failed write stops
the ones after it and reaches the receiving thread."""

from __future__ import annotations

import threading

import pytest

from backend.hub.write_behind import WriteBehind


def test_chunks_are_written_in_order_on_another_thread_and_all_before_the_end() -> None:
    written: list[bytes] = []
    threads: set[str] = set()

    def write(data: bytes) -> None:
        threads.add(threading.current_thread().name)
        written.append(data)

    with WriteBehind(write, depth=3) as sink:
        for i in range(100):
            sink.add(bytes([i]) * 10)
    assert written == [bytes([i]) * 10 for i in range(100)]
    assert threading.current_thread().name not in threads


def test_a_failed_write_stops_the_later_ones_and_is_raised() -> None:
    written: list[bytes] = []

    def write(data: bytes) -> None:
        if data == b"bad":
            raise OSError(28, "No space left on device")
        written.append(data)

    with pytest.raises(OSError, match="No space left"), WriteBehind(write) as sink:
        for chunk in (b"a", b"b", b"bad", b"c", b"d"):
            sink.add(chunk)
    assert written == [b"a", b"b"]  # nothing after the failure: it would land at a wrong offset


def test_the_writers_error_wins_over_the_receivers() -> None:
    def write(data: bytes) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"), WriteBehind(write) as sink:
        sink.add(b"x")
        raise ConnectionError("the connection dropped")
