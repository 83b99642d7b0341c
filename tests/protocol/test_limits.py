"""The token bucket and the failed-join lockout, with a fake clock."""

from __future__ import annotations

from cibo.protocol import JoinLockout, TokenBucket


def test_bucket_allows_a_burst_then_the_rate() -> None:
    bucket = TokenBucket(rate=10, burst=20, now=0.0)
    assert all(bucket.take(0.0) for _ in range(20))
    assert not bucket.take(0.0)
    assert bucket.take(0.1)  # one token back after 1/10 s
    assert not bucket.take(0.1)
    assert sum(bucket.take(1.1 + i / 100) for i in range(100)) <= 20


def test_bucket_ignores_clock_going_backwards() -> None:
    bucket = TokenBucket(rate=1, burst=1, now=10.0)
    assert bucket.take(10.0)
    assert not bucket.take(5.0)


def test_lockout_after_failures_within_the_window() -> None:
    lock = JoinLockout(max_failures=3, window=60, lock=30)
    assert not lock.fail("10.0.0.1", 0.0)
    assert not lock.fail("10.0.0.1", 1.0)
    assert not lock.locked("10.0.0.1", 1.0)
    assert lock.fail("10.0.0.1", 2.0)
    assert lock.locked("10.0.0.1", 2.0)
    assert not lock.locked("10.0.0.2", 2.0)  # per address
    assert lock.locked("10.0.0.1", 31.9)
    assert not lock.locked("10.0.0.1", 32.1)


def test_old_failures_expire() -> None:
    lock = JoinLockout(max_failures=3, window=10, lock=30)
    lock.fail("a", 0.0)
    lock.fail("a", 1.0)
    assert not lock.fail("a", 20.0)  # the first two are outside the window
    assert not lock.locked("a", 20.0)


def test_memory_is_bounded() -> None:
    lock = JoinLockout(max_failures=100, max_addresses=50)
    for i in range(1000):
        lock.fail(f"10.0.{i // 256}.{i % 256}", float(i))
    assert len(lock._failures) <= 50
