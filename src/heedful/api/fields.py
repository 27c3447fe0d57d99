"""Input types that reject what the databases cannot store, so bad input is a 422 and
never a database error: NUL characters (PostgreSQL text refuses them) and unpaired
surrogates (not encodable as UTF-8)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field

NO_NUL = r"^[^\x00]*$"
MAX_JSON_DEPTH = 5


def _encodable(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("contains characters that are not valid Unicode") from None
    return value


def _clean_json(value: Any, depth: int = 0) -> Any:
    if depth > MAX_JSON_DEPTH:
        raise ValueError(f"nests deeper than {MAX_JSON_DEPTH} levels")
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return _encodable(value)
    if isinstance(value, list):
        return [_clean_json(item, depth + 1) for item in value]
    if isinstance(value, dict):
        return {_clean_json(k, depth + 1): _clean_json(v, depth + 1) for k, v in value.items()}
    return value


def _custom_fields(value: dict[str, Any]) -> dict[str, Any]:
    for key in value:
        if not 1 <= len(key.strip()) <= 100:
            raise ValueError("field names must be 1 to 100 characters")
    return _clean_json(value)


_TEXT = AfterValidator(_encodable)

Subject = Annotated[str, Field(min_length=1, max_length=300, pattern=NO_NUL), _TEXT]
Body = Annotated[str, Field(min_length=1, max_length=200_000, pattern=NO_NUL), _TEXT]
BodyHtml = Annotated[str, Field(max_length=400_000, pattern=NO_NUL), _TEXT]
Username = Annotated[str, Field(min_length=1, max_length=150, pattern=NO_NUL), _TEXT]
TagName = Annotated[str, Field(min_length=1, max_length=50, pattern=NO_NUL), _TEXT]
Email = Annotated[
    str, Field(min_length=3, max_length=254, pattern=r"^[^\x00\s@]+@[^\x00\s@]+$"), _TEXT
]
Cursor = Annotated[str, Field(max_length=200, pattern=r"^[A-Za-z0-9_-]*$")]

CustomFields = Annotated[
    dict[str, Any],
    Field(max_length=50, description="At most 50 fields; names of 1-100 characters."),
    AfterValidator(_custom_fields),
]


def absent(description: str | None = None, **constraints: Any) -> Any:
    """The default of an optional field that must not be null when sent (PATCH bodies):
    the schema says "string", not "string or null", and leaving it out changes nothing."""
    return Field(None, description=description, **constraints)
