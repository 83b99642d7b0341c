"""Rate limits as plain values: a token bucket and a failed-join lockout, clock passed in.

Nothing here reads a clock; callers pass ``now`` (seconds from a monotonic clock), which keeps
these testable without sleeping and immune to wall-clock jumps.
"""

from __future__ import annotations

from collections import OrderedDict, deque

__all__ = ["JoinLockout", "TokenBucket"]


class TokenBucket:
    """``rate`` tokens per second up to ``burst``; each message takes one."""

    __slots__ = ("_stamp", "_tokens", "burst", "rate")

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = burst
        self._stamp = now

    def take(self, now: float) -> bool:
        """Spend one token; False when the bucket is empty (the caller closes with 1008)."""
        elapsed = max(0.0, now - self._stamp)
        self._stamp = now
        self._tokens = min(self.burst, self._tokens + elapsed * self.rate)
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False


class JoinLockout:
    """Counts failed joins per address; ``max_failures`` within ``window`` s lock it for ``lock``.

    It remembers at most ``max_addresses`` addresses (least recently failing forgotten first),
    so a scan from many addresses cannot grow it without bound.
    """

    def __init__(
        self,
        max_failures: int = 10,
        window: float = 60.0,
        lock: float = 60.0,
        max_addresses: int = 4096,
    ) -> None:
        self.max_failures = max_failures
        self.window = window
        self.lock = lock
        self.max_addresses = max_addresses
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._locked_until: dict[str, float] = {}

    def locked(self, address: str, now: float) -> bool:
        """True while ``address`` may not try to join."""
        until = self._locked_until.get(address)
        if until is None:
            return False
        if now >= until:
            del self._locked_until[address]
            return False
        return True

    def fail(self, address: str, now: float) -> bool:
        """Record one failure; True if ``address`` is now locked out."""
        times = self._failures.pop(address, None) or deque()
        times.append(now)
        while times and times[0] <= now - self.window:
            times.popleft()
        self._failures[address] = times
        while len(self._failures) > self.max_addresses:
            self._failures.popitem(last=False)
        if len(times) >= self.max_failures:
            self._locked_until[address] = now + self.lock
            times.clear()
            if len(self._locked_until) > self.max_addresses:
                for key in [k for k, t in self._locked_until.items() if t <= now]:
                    del self._locked_until[key]
            return True
        return False
