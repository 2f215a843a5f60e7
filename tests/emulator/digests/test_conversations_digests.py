"""Projected getConversations execute answers are byte-for-byte what the emulator sent when it built every
conversation and message object.

`EXPECTED` was recorded (see `conversations_sequence`) before messages.getConversations had a deferred
answer; a changed digest is a bug, not a new baseline. Re-recorded once, on purpose, when user objects got one
fixed field order (2 steps changed), and again when avatar URLs got the length of VK's (the 6 steps with
avatar URLs changed; with the old URLs every recorded digest still matched).
"""

from __future__ import annotations

from tests.helpers.digest_check import assert_same_digests

EXPECTED = {
    "00 projected pages": "76a487e5696b1f627be76a6919b52cb44279b730867f56491e426fd8eb50fdbf",
    "01 projected filters": "5210449d9a5374a9cc75002ca1c7727c86efd8afb205de93529851388245bf0a",
    "02 projected user token": "a8d3f286181934fa5b236a9201c2db412beee3ca8fc9f374990ffc88e3524861",
    "03 projected no right": "8e034f14bf5d80ba8aaf44034e8f8a766363e51beb90d8016c19e1b3f32c322f",
    "04 projected mixed": "7ccc19185dba12c4df8550e31e6f989d7fb05e154a3a8bb79ee4b04297e232eb",
    "05 read fields": "495931af66e3df246ccf24b52f8d3b1482b5c9a914fbb46cb2d99b704eb4162e",
    "06 project unusual": "026696507ed12edfa982923d0e1ac9ed9659144233dc60fde0f852b0d3d9e7fa",
    "07 mutate then project": "f494b1656ed64e661f6ee6154f19a01cf80c6b142ce9a7db75d79eed6a207c89",
    "08 alias then project": "386fe00e200355ec1d1c08f20db0ea935bf67efef2010ab9721af2baa5fbf30c",
    "09 project then mutate": "23780723f1e12af5b5e81fca8ec4931731552bac3d727c9fe83d2d2f369d86e7",
    "10 loop over columns": "0f282ddacdc9a40c6b7971adc3274d67f521c6d6c9c66c5218666b2860e93139",
    "11 reassigned": "8612d082e3b0ad8d5cd42a47f506dbb4cf595081def7e2b36ef8b2b9ca85556b",
}


def test_every_projected_conversations_answer_is_byte_identical_to_the_recorded_one() -> None:
    assert_same_digests("tests.helpers.conversations_sequence", EXPECTED)
