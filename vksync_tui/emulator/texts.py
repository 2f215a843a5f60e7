"""Plausible Russian text of a requested length for posts, comments and messages (seeded, no corpus file)."""

from __future__ import annotations

import random

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


def sentence_text(rng: random.Random, min_chars: int, max_chars: int) -> str:
    """Sentences of random words until a length drawn from [min_chars, max_chars] is reached."""
    target = rng.randint(min_chars, max_chars)
    sentences: list[str] = []
    length = 0
    while length < target:
        words = [rng.choice(_WORDS) for _ in range(rng.randint(4, 14))]
        sentence = " ".join(words).capitalize() + rng.choice((".", ".", ".", "!", "?"))
        sentences.append(sentence)
        length += len(sentence) + 1
    return " ".join(sentences)[:max(max_chars, 1)]


def short_reply(rng: random.Random) -> str:
    """A comment or chat message: mostly a stock phrase, sometimes a sentence."""
    if rng.random() < 0.6:
        return rng.choice(_REPLIES)
    return sentence_text(rng, 20, 160)
