"""The request body VkClient sends is the form `urllib.parse.urlencode` writes, byte for byte, and VK (the
emulator over real HTTP) reads every kind of character in it back as it was sent."""

from __future__ import annotations

import random
from urllib.parse import urlencode

import pytest

from vksync_tui.emulator.server import RunningEmulator
from vksync_tui.vk.client import VkClient
from vksync_tui.vk.params import form_body

TRICKY = [
    "",
    "plain_Text-1.0~",
    "1,2,3," * 2000,
    "a b+c%20d%e=f&g?h/i#j",
    "%%%2B++  ",
    'return [API.users.get({"user_ids": "1,2", "fields": "sex,city"})@.id];',
    "Привет, мир! ё Ё — «кавычки»",
    "emoji \U0001f600 and \u0000 nul and \x7f del and \xff",
]


@pytest.mark.parametrize("value", TRICKY)
def test_a_value_is_encoded_as_urlencode_does(value: str) -> None:
    fields = {"code": value, f"key {value[:5]}": value, "v": "5.199"}
    assert form_body(fields) == urlencode(fields).encode()


def test_random_text_of_every_plane_is_encoded_as_urlencode_does() -> None:
    chooser = random.Random(20)
    planes = [(0, 0x80), (0x80, 0x800), (0x800, 0xD800), (0xE000, 0x110000)]
    for _ in range(5000):
        text = "".join(chr(chooser.randrange(*chooser.choice(planes))) for _ in range(chooser.randrange(30)))
        fields = {text[:4]: text}
        assert form_body(fields) == urlencode(fields).encode(), repr(text)


def test_the_emulator_reads_back_what_was_sent(emulator: RunningEmulator) -> None:
    token = next(info.token for info in emulator.world.tokens if info.kind == "user")
    text = "a b+c%20d&e=f «ё» \U0001f600 1,2,3"
    with VkClient(emulator.url) as client:
        result = client.execute(f'return ["{text}", Args.text];', token, {"text": text})
    assert result.response == [text, text]
