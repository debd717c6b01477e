"""Waiting before trying again: one backoff rule for the hub, downloads and remote servers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Backoff:
    attempts: int = 3  # tries in all, the first included
    base_delay_s: float = 0.5  # the wait after the first failed try, doubled after each
    max_delay_s: float = 5.0  # the longest wait of our own
    # A server's Retry-After longer than this is not sat out (the user is told instead);
    # None: wait as long as it asks.
    retry_after_limit_s: float | None = 5.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float | None:
        """Seconds to wait after failed try number `attempt` (1-based); None: give up."""
        if attempt >= self.attempts:
            return None
        wait = min(self.max_delay_s, self.base_delay_s * 2.0 ** (attempt - 1))
        if retry_after is None:
            return wait
        if self.retry_after_limit_s is not None and retry_after > self.retry_after_limit_s:
            return None
        return max(wait, retry_after)
