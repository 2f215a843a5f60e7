"""Validation of emulator answers against VK's official JSON schema (5.199), read from the shared folder.

The schema mixes draft-3 habits into draft 7 and has one known bug; both are handled here, named.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator, ValidationError, validators
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from tests.helpers.paths import VK_API_SCHEMA

SCHEMA_DIR = VK_API_SCHEMA


def _vk_properties(validator: Any, properties: dict[str, Any], instance: Any, schema: Any) -> Iterator[Any]:
    """`properties` that also honours the schema's draft-3 style `"required": true` inside a property."""
    if not validator.is_type(instance, "object"):
        return
    for name, subschema in properties.items():
        if name in instance:
            yield from validator.descend(instance[name], subschema, path=name, schema_path=name)
        elif subschema.get("required") is True:
            yield ValidationError(f"{name!r} is a required property")


def _vk_required(validator: Any, required: Any, instance: Any, schema: Any) -> Iterator[Any]:
    if isinstance(required, bool) or not validator.is_type(instance, "object"):
        return
    for name in required:
        if name not in instance:
            yield ValidationError(f"{name!r} is a required property")


VkValidator = validators.extend(Draft7Validator, {"properties": _vk_properties, "required": _vk_required})


def _drop_closed_groups_group(contents: dict[str, Any]) -> None:
    """Known schema bug: `groups_group` says `additionalProperties: false`, but `groups_group_full` extends it
    through `allOf` with `members_count`, `activity`, ... — under JSON Schema no full group carrying any of
    its own fields could ever validate. VK returns those fields (groups.getById docs, the notes §2.2)."""
    del contents["definitions"]["groups_group"]["additionalProperties"]


SCHEMA_PATCHES: dict[str, Callable[[dict[str, Any]], None]] = {
    "groups/objects.json": _drop_closed_groups_group,
}


def _retrieve(uri: str) -> Resource:
    """Load only the schema files a `$ref` actually reaches (errors.json has dangling refs we never touch)."""
    path = Path(uri.removeprefix("file://"))
    contents = json.loads(path.read_text(encoding="utf-8"))
    patch = SCHEMA_PATCHES.get(path.relative_to(SCHEMA_DIR).as_posix())
    if patch is not None:
        patch(contents)
    return DRAFT7.create_resource(contents)


_REGISTRY: Registry = Registry(retrieve=_retrieve)  # type: ignore[call-arg]


@cache
def _validator(section: str, definition: str) -> Any:
    ref = f"file://{SCHEMA_DIR}/{section}/responses.json#/definitions/{definition}"
    return VkValidator({"$ref": ref}, registry=_REGISTRY)


def validate_response(section: str, definition: str, value: Any) -> None:
    """Validate `{"response": value}` against `<section>/responses.json#/definitions/<definition>`."""
    errors = sorted(_validator(section, definition).iter_errors({"response": value}), key=str)
    assert not errors, f"{definition}: " + "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
