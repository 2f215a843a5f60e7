"""Projected execute answers are byte-for-byte what they were with the JSON round trip.

`EXPECTED` was recorded (see `projected_sequence`) before scripts could read an inner call's result without it
being built first; a changed digest is a bug, not a new baseline. Re-recorded once, on purpose, when user
objects got one fixed field order (1 step changed), and again when avatar URLs got the length of VK's (the 3
steps with avatar URLs changed; with the old URLs every recorded digest still matched).
"""

from __future__ import annotations

from tests.helpers.digest_check import assert_same_digests

EXPECTED = {
    "00 projected reposts": "e5c0da9c7b75730d09d74c856a15abbd2cfd9d853d6b20dfa3e96a729058eef7",
    "01 projected reposts not admin": "e34adf7d4b7532e23ffe31707fcc13bc9d16f8531e80eb75c0ad35c9e4baa0c7",
    "02 projected users": "674021b4447816ab6098465f293f6fb29ed90099c9a72f90f8c1c5b4be6c6775",
    "03 projected mixed": "d8432495bdb75a7c62a7bddcbd7393ab8a2de673efcd2f37e8e5a7a23b6e9d9d",
    "04 read fields": "4f2a8530b798128bcc3cb09a1fd7fb0adb17ce12515c892805e5c3a1feeab8c9",
    "05 project unusual": "1249625e75fd49282fdbfaf1c50141655f7bd0f6b7c0ebf083ad175e64253e9f",
    "06 mutate then project": "71bacf652d4b39333eae89d3ffba859b0b062d2a1d22fa0dcdb536c9bba86427",
    "07 alias then project": "619fdddff800c70aa709ec76aed12e1c7e3b2803481afd0946f61d7a32f4ffc0",
    "08 project then mutate": "5c87c99eec7e5e06a979a916cd6001379b415f4be92fb21eef53c0bd78957542",
    "09 loop over columns": "e1154427f38dd008ff5a987dfc52403e6fb1740388fb4f72e6e514e27dce7c46",
    "10 users read fields": "8fdea3b38edcf31528868b7885eb01809fd7a230ae2cb2828ee963cb23edb1ec",
    "11 reassigned": "1cdcae866b28d24d2be8ec7c2267da95307ee356c802f1c858332624af7b1ae0",
}


def test_every_projected_answer_is_byte_identical_to_the_recorded_one() -> None:
    assert_same_digests("tests.helpers.projected_sequence", EXPECTED)
