"""Projected getConversations execute answers are byte-for-byte what the emulator sent when it built every
conversation and message object.

`EXPECTED` was recorded (see `conversations_sequence`) before messages.getConversations had a deferred
answer; a changed digest is a bug, not a new baseline. Re-recorded once, on purpose, when user objects got one
fixed field order (2 steps changed).
"""

from __future__ import annotations

from tests.emulator_speed.digest_check import assert_same_digests

EXPECTED = {
    "00 projected pages": "de231adae964628f062b51c7ec22fdac38f995b2ddca6e00db5c2777a11abbd5",
    "01 projected filters": "5c891187235578886ee181734bcb01532391e551644cf7b18537c4a61b962810",
    "02 projected user token": "eca123e6b1ed04767043c4d689890fd73f12379ca09a8f5d729214e8810219b3",
    "03 projected no right": "8e034f14bf5d80ba8aaf44034e8f8a766363e51beb90d8016c19e1b3f32c322f",
    "04 projected mixed": "4ac033087fe9e98a831e93b018de40f6b800e94650ff27c7f5fc5ab54147bc14",
    "05 read fields": "88f39dcdc9c3dbb301e11a1432f369bd9cdc95d2a533fcffa97e6a085122c1b3",
    "06 project unusual": "026696507ed12edfa982923d0e1ac9ed9659144233dc60fde0f852b0d3d9e7fa",
    "07 mutate then project": "f494b1656ed64e661f6ee6154f19a01cf80c6b142ce9a7db75d79eed6a207c89",
    "08 alias then project": "b130aadb7f47aa135e3457604ec3b0e4c85048281eee9c17e5bb9959c3599a0a",
    "09 project then mutate": "23780723f1e12af5b5e81fca8ec4931731552bac3d727c9fe83d2d2f369d86e7",
    "10 loop over columns": "0f282ddacdc9a40c6b7971adc3274d67f521c6d6c9c66c5218666b2860e93139",
    "11 reassigned": "8612d082e3b0ad8d5cd42a47f506dbb4cf595081def7e2b36ef8b2b9ca85556b",
}


def test_every_projected_conversations_answer_is_byte_identical_to_the_recorded_one() -> None:
    assert_same_digests("tests.mailing_speed.conversations_sequence", EXPECTED)
