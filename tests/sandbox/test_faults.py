"""Which requests a fault applies to, and how many times."""

import pytest

from crm_twitter.sandbox.faults import Faults


@pytest.mark.parametrize(
    ("pattern", "endpoint", "matches"),
    [
        ("*", "POST /2/tweets", True),
        ("GET /2/users/:id/mentions", "GET /2/users/:id/mentions", True),
        ("GET /2/users/:id/mentions", "GET /2/users/:id/tweets", False),
        ("/2/tweets", "POST /2/tweets", True),
        ("/2/tweets", "GET /2/tweets/:id", False),
        ("GET /2/dm_*", "GET /2/dm_events", True),
        ("GET /2/dm_*", "POST /2/dm_conversations/with/:id/messages", False),
    ],
)
def test_fault_endpoint_patterns(pattern, endpoint, matches):
    faults = Faults()
    faults.server_error(pattern)

    assert (faults.take(endpoint) is not None) is matches


def test_a_fault_is_used_up_after_its_times_and_faults_apply_in_order():
    faults = Faults()
    faults.server_error("/2/tweets", status=500, times=2)
    faults.rate_limit("/2/tweets")

    taken = [faults.take("POST /2/tweets") for _ in range(4)]

    assert [f.kind if f else None for f in taken] == ["status", "status", "rate_limit", None]
    assert faults.pending() == []


def test_an_unknown_fault_kind_is_refused():
    with pytest.raises(ValueError):
        Faults().inject("explode")
