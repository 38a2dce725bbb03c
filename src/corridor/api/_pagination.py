"""Limit/offset pagination shared by every list endpoint, with a hard maximum page size."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from fastapi import Query, Request
from pydantic import BaseModel

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int


async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, le=10**9, description="Items to skip.")] = 0,
) -> Page:
    return Page(limit=limit, offset=offset)


class PageOf(BaseModel, Generic[T]):
    """One page of a list; ``next`` is the URL of the following page, or null on the last."""

    items: list[T]
    total: int
    limit: int
    offset: int
    next: str | None


def paginate(request: Request, items: Sequence[T], total: int, page: Page) -> PageOf[T]:
    """Wrap an already-sliced page; ``total`` is the count before slicing."""
    following = page.offset + page.limit
    nxt = (
        str(request.url.include_query_params(limit=page.limit, offset=following))
        if following < total
        else None
    )
    return PageOf[T](items=list(items), total=total, limit=page.limit, offset=page.offset, next=nxt)
