"""The per-connection frame budget, with time as a parameter."""

from __future__ import annotations

from server.api.flood import FrameBudget, TokenBucket, Verdict


def test_a_burst_is_served_then_frames_are_refused_with_the_time_to_wait() -> None:
    budget = FrameBudget(burst=5, per_second=10, refusals=3, now=0.0)
    assert [budget.judge(0.0) for _ in range(5)] == [Verdict.SERVE] * 5
    assert budget.judge(0.0) is Verdict.REFUSE
    assert budget.retry_after_ms() == 100  # one token every 100 ms
    assert budget.judge(0.05) is Verdict.REFUSE
    assert budget.retry_after_ms() == 50
    assert budget.judge(0.1) is Verdict.SERVE  # refilled by then


def test_a_client_that_goes_on_after_being_told_is_closed() -> None:
    budget = FrameBudget(burst=2, per_second=1, refusals=3, now=0.0)
    verdicts = [budget.judge(0.0) for _ in range(6)]
    assert verdicts == [Verdict.SERVE] * 2 + [Verdict.REFUSE] * 3 + [Verdict.CLOSE]


def test_a_steady_client_within_its_rate_is_never_refused() -> None:
    budget = FrameBudget(burst=3, per_second=10, refusals=1, now=0.0)
    assert all(budget.judge(step * 0.1) is Verdict.SERVE for step in range(1000))


def test_a_bucket_refills_to_its_capacity_and_no_further() -> None:
    bucket = TokenBucket.full(4, 2, now=0.0)
    assert all(bucket.take(0.0) for _ in range(4))
    assert not bucket.take(0.0)
    assert bucket.take(100.0)  # long idle: full again, not 200 tokens
    assert sum(bucket.take(100.0) for _ in range(10)) == 3
