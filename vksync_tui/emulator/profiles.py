"""User profiles derived on the fly from the user id (no per-user objects, so 10M members cost nothing here).

Every positive id up to `MAX_USER_ID` is an existing VK user whose traits (name, sex, city, deactivation,
closed profile, ...) are a pure function of (seed, id). Shapes follow `users_user_full` of the 5.199 schema;
deactivated users come back the way VK returns them: `deactivated` plus the minimal fields only.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from functools import lru_cache
from typing import Any, NamedTuple

from vksync_tui.emulator.hashing import HASH_START, hash_one, hash_prefix
from vksync_tui.emulator.jsontext import json_string, json_text

MAX_USER_ID = 2_000_000_000
_TAG_USER = 0x5553

MALE_FIRST = ("Александр", "Дмитрий", "Максим", "Сергей", "Андрей", "Алексей", "Артём", "Илья", "Кирилл",
              "Михаил", "Никита", "Матвей", "Роман", "Егор", "Арсений", "Иван", "Денис", "Евгений", "Тимофей",
              "Владимир", "Павел", "Олег", "Игорь", "Константин", "Антон", "Юрий", "Виктор", "Николай")
FEMALE_FIRST = ("Анастасия", "Мария", "Анна", "Виктория", "Екатерина", "Наталья", "Марина", "Полина",
                "Софья", "Дарья", "Алиса", "Ксения", "Александра", "Елена", "Ольга", "Татьяна", "Юлия",
                "Ирина", "Светлана", "Вероника", "Алина", "Кристина", "Людмила", "Валерия")
LAST_STEMS = ("Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов",
              "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров",
              "Павлов", "Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин",
              "Захаров", "Зайцев", "Соловьёв", "Борисов", "Яковлев", "Григорьев", "Романов", "Воробьёв")
CITIES = ((1, "Москва"), (2, "Санкт-Петербург"), (49, "Екатеринбург"), (99, "Новосибирск"),
          (60, "Казань"), (95, "Нижний Новгород"), (104, "Самара"), (119, "Ростов-на-Дону"),
          (151, "Уфа"), (123, "Омск"), (72, "Краснодар"), (110, "Пермь"), (10, "Волгоград"),
          (73, "Красноярск"), (42, "Воронеж"), (314, "Киев"), (282, "Минск"))
PLATFORMS = (1, 2, 3, 4, 5, 6, 7)

_TRANSLIT = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                     ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p",
                      "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "sch", "", "y", "", "e", "yu", "ya"],
                     strict=True))

SUPPORTED_USER_FIELDS = frozenset({
    "sex", "bdate", "city", "country", "photo_50", "photo_100", "photo_200", "photo_max", "has_photo",
    "domain", "screen_name", "last_seen", "online", "verified",
})


class UserTraits(NamedTuple):
    """The facts about one user, decoded from one 64-bit hash."""

    user_id: int
    sex: int
    first_name: str
    last_name: str
    deactivated: str | None
    is_closed: bool
    city: tuple[int, str] | None
    bdate: str | None
    has_photo: bool
    custom_domain: bool
    last_seen_ago: int
    platform: int
    photo_key: int


def is_valid_user_id(user_id: int) -> bool:
    return 0 < user_id <= MAX_USER_ID


@lru_cache(maxsize=16)
def _user_hash_prefix(seed: int) -> int:
    return hash_prefix(seed, _TAG_USER)


_FEMALE_LAST = tuple(stem + "а" for stem in LAST_STEMS)  # made once: a profile page has hundreds


def user_traits(seed: int, user_id: int) -> UserTraits:
    """Decode the user's traits; consecutive bit fields of one hash keep this at a few microseconds."""
    h = hash_one(_user_hash_prefix(seed), user_id)
    sex = 1 + (h & 1)
    if sex == 1:
        first = FEMALE_FIRST[(h >> 1) % len(FEMALE_FIRST)]
        last = _FEMALE_LAST[(h >> 9) % len(LAST_STEMS)]
    else:
        first = MALE_FIRST[(h >> 1) % len(MALE_FIRST)]
        last = LAST_STEMS[(h >> 9) % len(LAST_STEMS)]
    roll = (h >> 17) % 1000
    deactivated = "deleted" if roll < 25 else "banned" if roll < 35 else None
    city = CITIES[(h >> 34) % len(CITIES)] if (h >> 40) % 10 < 7 else None
    bdate_kind = (h >> 44) % 10
    if bdate_kind < 3:
        bdate = None
    elif bdate_kind < 6:
        bdate = f"{1 + (h >> 48) % 28}.{1 + (h >> 53) % 12}"
    else:
        bdate = f"{1 + (h >> 48) % 28}.{1 + (h >> 53) % 12}.{1960 + (h >> 57) % 50}"
    h2 = hash_one(hash_one(HASH_START, h), 2)
    return UserTraits(
        user_id, sex, first, last, deactivated, (h >> 27) % 100 < 12, city, bdate, h2 % 10 < 8,
        (h2 >> 4) % 10 < 3,
        int((h2 >> 8) % (90 * 86400)) if (h2 >> 40) % 10 < 8 else int((h2 >> 8) % 600),
        PLATFORMS[(h2 >> 44) % len(PLATFORMS)], h2 >> 16,
    )


@lru_cache(maxsize=512)
def _latin(name: str) -> str:
    """Names come from small fixed tables, so each is transliterated once, not once per profile."""
    return "".join(_TRANSLIT.get(ch, ch) for ch in name.lower())


def user_domain(traits: UserTraits) -> str:
    """`id<id>` for most users; for some a transliterated nickname ending in the id (still resolvable)."""
    if not traits.custom_domain:
        return f"id{traits.user_id}"
    return f"{_latin(traits.first_name)}.{_latin(traits.last_name)}{traits.user_id}"


def resolve_user_domain(seed: int, name: str) -> int | None:
    """The user id behind a screen name (`id123` or a nickname domain), None when nobody has it."""
    if name.startswith("id") and name[2:].isdigit():
        user_id = int(name[2:])
        return user_id if is_valid_user_id(user_id) else None
    digits = len(name) - len(name.rstrip("0123456789"))
    if digits == 0:
        return None
    user_id = int(name[-digits:])
    if not is_valid_user_id(user_id):
        return None
    return user_id if user_domain(user_traits(seed, user_id)) == name else None


FieldValue = Callable[[UserTraits, int], Any]  # (traits, world clock) → the field's value, None = omitted


# Real avatar URLs are ~170-300 characters: a userapi host, a 64-character signed path, a query with the crop
# box and more (`...s/v1/ig2/<64>.jpg?size=100x100&quality=95&crop=0,356,1751,1751&ava=1` in a real answer:
# https://github.com/AndreyTretiachenko/vk_dashboard/blob/HEAD/src/data/groupsIDs.ts; newer ones add the
# `as=` size list, `u=` and `cs=`). An answer's size, and so how many calls fit in one execute, depends on it.
_URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_URL_CHUNKS = tuple(  # 4096 fixed 32-character pieces of "signature": two make a path
    "".join(_URL_ALPHABET[(index * 40503 + step * 2654435761) >> 7 & 63] for step in range(32))
    for index in range(4096)
)
_AVATAR_SIZES = ("32x32", "48x48", "72x72", "108x108", "160x160", "240x240", "360x360", "480x480", "540x540",
                 "640x640")
_SIZE_LISTS = tuple(",".join(_AVATAR_SIZES[:count]) for count in range(5, len(_AVATAR_SIZES) + 1))


def _photo(size: int) -> FieldValue:
    """The `photo_<size>` field: the camera stub, or the user's photo URL (real-length: see above). One
    closure per size with its constant parts made once: a profile page formats hundreds of these."""
    camera = f"https://vk.com/images/camera_{size}.png"
    tail = f"&cs={size}x{size}"
    chunks, lists = _URL_CHUNKS, _SIZE_LISTS

    def photo(traits: UserTraits, now: int) -> str:
        if not traits.has_photo:
            return camera
        key = traits.photo_key
        path = chunks[key & 4095] + chunks[key >> 12 & 4095]
        signature = chunks[key >> 24 & 4095] + chunks[key >> 36 & 4095][:11]
        crop = 200 + key % 1400
        sizes = lists[5 if crop >= 640 else key >> 20 & 3]
        return (f"https://sun{1 + key % 9}-{10 + key % 80}.userapi.com/s/v1/ig2/{path}.jpg?quality=95"
                f"&crop={key % 300},{key >> 9 & 255},{crop},{crop}&as={sizes}&ava=1&u={signature}{tail}")

    return photo


_FIELD_VALUES: dict[str, FieldValue] = {
    "sex": lambda traits, now: traits.sex,
    "bdate": lambda traits, now: traits.bdate,
    "city": lambda traits, now: {"id": traits.city[0], "title": traits.city[1]} if traits.city else None,
    "country": lambda traits, now: {"id": 1, "title": "Россия"} if traits.city else None,
    "photo_50": _photo(50),
    "photo_100": _photo(100),
    "photo_200": _photo(200),
    "photo_max": _photo(200),
    "has_photo": lambda traits, now: int(traits.has_photo),
    "domain": lambda traits, now: user_domain(traits),
    "screen_name": lambda traits, now: user_domain(traits),
    "last_seen": lambda traits, now: {"time": now - traits.last_seen_ago, "platform": traits.platform},
    "online": lambda traits, now: int(traits.last_seen_ago < 300),
    "verified": lambda traits, now: 0,
}
assert set(_FIELD_VALUES) == SUPPORTED_USER_FIELDS
OBJECT_FIELDS = frozenset({"city", "country", "last_seen"})  # the fields whose values are objects (dicts)
FieldJson = Callable[[UserTraits, int], str | None]  # the field's value as JSON text, None = omitted


@lru_cache(maxsize=64)
def _small_json(value: Any) -> str:
    """JSON text of a value from a small fixed set (a city, the country), encoded once."""
    return json_text(dict(value))


def _as_json(value_of: FieldValue) -> FieldJson:
    """A field's JSON text from its value: ints and strings directly, small objects through `_small_json`."""

    def field_json(traits: UserTraits, now: int) -> str | None:
        value = value_of(traits, now)
        if value is None:
            return None
        if type(value) is int:
            return str(value)
        if type(value) is str:
            return json_string(value)
        return _small_json(tuple(value.items()))

    return field_json


_FIELD_JSON: dict[str, FieldJson] = {
    **{field: _as_json(value_of) for field, value_of in _FIELD_VALUES.items()},
    # The one object field whose values do not repeat: written out (the digest test pins it to json_text).
    "last_seen": lambda traits, now: f'{{"time":{now - traits.last_seen_ago},"platform":{traits.platform}}}',
}
_DEACTIVATED_PHOTOS = tuple((field, f"https://vk.com/images/deactivated_{field.split('_')[1]}.png")
                            for field in ("photo_50", "photo_100", "photo_200"))


class FieldPlan(NamedTuple):
    """How to fill the optional fields of users.get objects for one request's `fields`, worked out once per
    request instead of once per user (see `field_plan` for the order)."""

    active: tuple[tuple[str, FieldValue], ...]
    deactivated: tuple[tuple[str, str], ...]
    active_json: tuple[tuple[str, FieldJson], ...]  # (',"field":', its JSON text)


_FIELD_ORDER = (*_FIELD_VALUES, *(field for field, _url in _DEACTIVATED_PHOTOS if field not in _FIELD_VALUES))


@lru_cache(maxsize=256)
def _plan_for_order(order: tuple[str, ...]) -> FieldPlan:
    active = tuple(field for field in order if field in _FIELD_VALUES)
    return FieldPlan(
        tuple((field, _FIELD_VALUES[field]) for field in active),
        tuple((field, url) for field, url in _DEACTIVATED_PHOTOS if field in order),
        tuple((f',"{field}":', _FIELD_JSON[field]) for field in active),
    )


def field_plan(fields: Collection[str]) -> FieldPlan:
    """The plan for `fields` in one fixed order (the emulator's field table's), whatever order the request
    named them in or a set iterates them in: a set of strings iterates in hash order, which differs between
    processes, and answers must not depend on the process that made them."""
    return _plan_for_order(tuple(field for field in _FIELD_ORDER if field in fields))


def user_object(seed: int, user_id: int, fields: Collection[str] | FieldPlan, now: int) -> dict[str, Any]:
    """The `users.get` object for one user with the requested fields (unknown fields are ignored, like VK).

    Pass a `field_plan(fields)` when building many objects for one request."""
    plan = fields if type(fields) is FieldPlan else field_plan(fields)
    return _user_dict(user_traits(seed, user_id), plan, now)


def _user_dict(traits: UserTraits, plan: FieldPlan, now: int) -> dict[str, Any]:
    user_id = traits.user_id
    if traits.deactivated:
        deleted = traits.deactivated == "deleted"
        obj: dict[str, Any] = {
            "id": user_id,
            "first_name": "DELETED" if deleted else traits.first_name,
            "last_name": "" if deleted else traits.last_name,
            "deactivated": traits.deactivated,
        }
        for field, url in plan.deactivated:
            obj[field] = url
        return obj
    is_closed = traits.is_closed
    obj = {"id": user_id, "first_name": traits.first_name, "last_name": traits.last_name,
           "can_access_closed": not is_closed, "is_closed": is_closed}
    for field, value_of in plan.active:
        value = value_of(traits, now)
        if value is not None:
            obj[field] = value
    return obj


# `[user_object(...).get(field) for each user]` for the fields every object has (or a deactivated one has
# instead), a whole column at a time: these run for every profile of every page a projected script reads.
_BASE_COLUMNS: dict[str, Callable[[Sequence[UserTraits]], list[Any]]] = {
    "id": lambda users: [traits.user_id for traits in users],
    "first_name": lambda users: ["DELETED" if traits.deactivated == "deleted" else traits.first_name
                                 for traits in users],
    "last_name": lambda users: ["" if traits.deactivated == "deleted" else traits.last_name
                                for traits in users],
    "deactivated": lambda users: [traits.deactivated for traits in users],
    "can_access_closed": lambda users: [None if traits.deactivated else not traits.is_closed
                                        for traits in users],
    "is_closed": lambda users: [None if traits.deactivated else traits.is_closed for traits in users],
}


def profile_column(users: Sequence[UserTraits], plan: FieldPlan, now: int, field: str) -> list[Any]:
    """`[user_object(...).get(field) for each user]` (`users@.field` of a users.get answer) from the
    traits alone, without building the objects."""
    base = _BASE_COLUMNS.get(field)
    if base is not None:
        return base(users)
    value_of = dict(plan.active).get(field)
    deactivated = dict(plan.deactivated).get(field)
    if value_of is None:
        return [deactivated if traits.deactivated else None for traits in users]
    return [deactivated if traits.deactivated else value_of(traits, now) for traits in users]


class ProfilePage:
    """The users.get objects an answer holds for `users`, made only when the answer is needed whole;
    until then `column(field)` comes from the users' traits (`profile_column`). An object-valued column
    (`city`, `last_seen`) is kept, and is what later columns and the objects hold — the very dicts — so a
    script that changes one through a column sees it everywhere, as with objects made up front."""

    __slots__ = ("_handed", "_now", "_objects", "_plan", "_users")

    def __init__(self, users: list[UserTraits], plan: FieldPlan, now: int) -> None:
        self._users = users
        self._plan = plan
        self._now = now
        self._objects: list[dict[str, Any]] | None = None
        self._handed: dict[str, list[Any]] = {}

    def objects(self) -> list[dict[str, Any]]:
        if self._objects is None:
            plan, now = self._plan, self._now
            objects = [_user_dict(traits, plan, now) for traits in self._users]
            for field, column in self._handed.items():
                for obj, value in zip(objects, column, strict=True):
                    if value is not None:
                        obj[field] = value
            self._objects = objects
        return self._objects

    def column(self, field: str) -> list[Any]:
        if self._objects is not None:
            return [obj.get(field) for obj in self._objects]
        if field not in OBJECT_FIELDS:
            return profile_column(self._users, self._plan, self._now, field)
        handed = self._handed.get(field)
        if handed is None:
            handed = self._handed[field] = profile_column(self._users, self._plan, self._now, field)
        return list(handed)


@lru_cache(maxsize=1024)
def _name_json(name: str) -> str:
    return json_string(name)


def users_json(seed: int, user_ids: Iterable[int], plan: FieldPlan, now: int) -> bytes:
    """`json_bytes([user_object(...) for each id])`, written directly: a users.get page is 1000 profiles, and
    building the dicts only to encode them was most of its cost. Deactivated users (a few percent) go through
    `_user_dict` itself."""
    parts = ["["]
    append = parts.append
    fields = plan.active_json
    for user_id in user_ids:
        traits = user_traits(seed, user_id)
        if traits.deactivated:
            append(json_text(_user_dict(traits, plan, now)))
            append(",")
            continue
        append(f'{{"id":{user_id},"first_name":{_name_json(traits.first_name)},'
               f'"last_name":{_name_json(traits.last_name)},'
               f'{_CLOSED_FLAGS if traits.is_closed else _OPEN_FLAGS}')
        for key, field_json in fields:
            value = field_json(traits, now)
            if value is not None:
                append(key)
                append(value)
        append("},")
    if len(parts) > 1:
        parts[-1] = parts[-1][:-1]  # no comma after the last object
    append("]")
    return "".join(parts).encode()


_OPEN_FLAGS = '"can_access_closed":true,"is_closed":false'
_CLOSED_FLAGS = '"can_access_closed":false,"is_closed":true'
