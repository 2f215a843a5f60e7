"""Plausible Russian text of a requested length for posts, comments and messages (seeded, no corpus file)."""

from __future__ import annotations

import random
from functools import lru_cache

_WORDS = (
    "сегодня", "мы", "рады", "сообщить", "что", "новый", "сезон", "уже", "начался", "и", "все", "участники",
    "могут", "прийти", "на", "встречу", "в", "субботу", "вечером", "расскажите", "друзьям", "о", "нашем",
    "сообществе", "спасибо", "за", "поддержку", "подробности", "по", "ссылке", "ниже", "конкурс", "приз",
    "победитель", "будет", "выбран", "случайно", "среди", "тех", "кто", "поставил", "лайк", "сделал",
    "репост", "записи", "фотографии", "с", "прошлого", "мероприятия", "опубликованы", "в", "альбоме",
    "напишите", "нам", "в", "сообщения", "если", "есть", "вопросы", "ответим", "как", "можно", "скорее",
    "расписание", "изменилось", "занятия", "пройдут", "во", "вторник", "и", "четверг", "город", "парк",
    "музыка", "кофе", "книги", "кино", "спорт", "погода", "отличная", "новости", "недели", "итоги", "года",
)
_REPLIES = ("Спасибо!", "Отлично", "Когда следующая встреча?", "Супер 👍", "А где можно узнать подробнее?",
            "Согласен", "Класс!", "Интересно", "Подскажите, пожалуйста, цену", "Ждём продолжения")


_POOL_BITS = 12  # 4096 distinct sentences: plenty of variety, built once in ~50 ms
_POOL_SEED = 0x5E47  # fixed: the pool is part of the program, like the word list, not of a world


def _random_sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(4, 14))]
    return " ".join(words).capitalize() + rng.choice((".", ".", ".", "!", "?"))


@lru_cache(maxsize=1)
def _sentence_pool() -> tuple[str, ...]:
    rng = random.Random(_POOL_SEED)
    return tuple(_random_sentence(rng) for _ in range(1 << _POOL_BITS))


def sentence_text(rng: random.Random, min_chars: int, max_chars: int) -> str:
    """Sentences until a length drawn from [min_chars, max_chars] is reached.

    Sentences are drawn from a fixed pool rather than built word by word: a wall page of 100 long posts is
    served in a few milliseconds instead of ~20, so the emulator, not VK's rate limit, stops being what a
    benchmark measures.
    """
    target = rng.randint(min_chars, max_chars)
    pool = _sentence_pool()
    sentences: list[str] = []
    length = 0
    while length < target:
        sentence = pool[rng.getrandbits(_POOL_BITS)]
        sentences.append(sentence)
        length += len(sentence) + 1
    return " ".join(sentences)[:max(max_chars, 1)]


def short_reply(rng: random.Random) -> str:
    """A comment or chat message: mostly a stock phrase, sometimes a sentence."""
    if rng.random() < 0.6:
        return rng.choice(_REPLIES)
    return sentence_text(rng, 20, 160)
