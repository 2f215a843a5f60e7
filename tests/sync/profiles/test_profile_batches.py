"""Profile batches are sized on real answer sizes: the emulator's avatar URLs are as long as VK's, and a full
execute of users.get calls made of the largest profiles stays under VK's 5 MB answer cap."""

from __future__ import annotations

from vksync_tui.emulator.jsontext import json_bytes
from vksync_tui.emulator.profiles import field_plan, user_object, user_traits
from vksync_tui.sync.users_refresh import (
    EXECUTE_RESPONSE_LIMIT,
    PROFILE_BYTES_MAX,
    PROFILE_FIELDS,
    USERS_GET_BATCH,
    USERS_PER_CALL,
)

SEED = 1
NOW = 1_800_000_000
SAMPLE = range(1, 100_001)


def test_avatar_urls_are_real_length() -> None:
    """Real `photo_100` URLs (userapi hosts, signed paths and query strings) are ~200-300 characters."""
    plan = field_plan(["photo_100"])
    lengths = [len(user_object(SEED, user_id, plan, NOW)["photo_100"]) for user_id in range(1, 20_001)
               if user_traits(SEED, user_id).has_photo and not user_traits(SEED, user_id).deactivated]
    assert len(lengths) > 10_000
    assert min(lengths) >= 200 and max(lengths) <= 300
    assert sum(lengths) / len(lengths) > 240


def test_a_full_batch_of_the_largest_profiles_stays_under_the_execute_answer_cap() -> None:
    plan = field_plan(PROFILE_FIELDS)
    sizes = sorted((len(json_bytes(user_object(SEED, user_id, plan, NOW))) for user_id in SAMPLE),
                   reverse=True)
    assert sizes[0] <= PROFILE_BYTES_MAX
    largest_call = sum(sizes[:USERS_PER_CALL]) + USERS_PER_CALL + 2  # objects, commas, brackets
    envelope = len(b'{"response":[]}') + USERS_GET_BATCH
    assert USERS_GET_BATCH * largest_call + envelope < EXECUTE_RESPONSE_LIMIT
    assert USERS_GET_BATCH >= 8  # and the batch is still worth an execute
