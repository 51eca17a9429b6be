"""Lists that ask the database for ids only, with SQL the ORM compiles once per process.

A list page's cards are kept in the cache by id (the `cards` tag), so on a warm card cache the
page needs from the database only which ids to show, in order. Django spends longer building
and compiling such a query (0.6–1.3 ms) than PostgreSQL spends answering it, and longer again
turning rows into model instances: `list_ids` compiles each query shape once and then runs its
SQL with each call's values; `ByIds` loads objects only for the cards the cache lacks.
"""

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet

MAX_SHAPES = 1024
_shapes: dict[tuple, tuple[str, tuple, list[tuple[int, str]]] | None] = {}


def list_ids(shape: tuple, build: Callable[..., QuerySet], **values) -> list:
    """The primary keys of `build(**values)`, in its order.

    `build` must give the same SQL for any values: `shape` names the query and anything that
    changes its SQL (which filters apply, the slice). Values may be ints, dates and
    datetimes, and strings compared exactly. The ORM compiles `build` once per shape with
    stand-in values; each call swaps in its own. Where a database changes a value on the way
    (SQLite turns datetimes into text), the stand-ins cannot be found and every call compiles
    afresh: the same answer, only slower.
    """
    key = (connection.vendor, *shape)
    if key not in _shapes:
        if len(_shapes) >= MAX_SHAPES:
            _shapes.clear()
        _shapes[key] = _compile(build, values)
    compiled = _shapes[key]
    if compiled is None:
        return list(build(**values).values_list("pk", flat=True))
    sql, params, slots = compiled
    params = list(params)
    for index, name in slots:
        params[index] = values[name]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _compile(build, values) -> tuple[str, tuple, list[tuple[int, str]]] | None:
    stand_ins = {name: _stand_in(value, n) for n, (name, value) in enumerate(values.items())}
    queryset = build(**stand_ins).values_list("pk", flat=True)
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # nothing to ask, as for an empty slice
        return None
    slots = [
        (index, name)
        for index, param in enumerate(params)
        for name, stand_in in stand_ins.items()
        if type(param) is type(stand_in) and param == stand_in
    ]
    if {name for _index, name in slots} != set(values):
        return None
    return sql, tuple(params), slots


def _stand_in(value, n: int):
    """A value of the same type that no real query asks for."""
    if isinstance(value, bool):
        raise TypeError("list_ids cannot stand in for a bool: its SQL may depend on it.")
    if isinstance(value, int):
        return -7_310_000_000_000 - n
    if isinstance(value, datetime):
        return datetime(2, 3, 4, 5, 6, 7, 310_000 + n, tzinfo=value.tzinfo and UTC)
    if isinstance(value, date):
        return date(2, 3, 4 + n)
    if isinstance(value, str):
        return f"ncasite-stand-in-{n}-7310"
    raise TypeError(f"list_ids cannot stand in for {type(value).__name__}.")


class ByIds:
    """A list of objects known by id, in order; the objects are loaded when first needed.

    `cards` renders from its cache by id and calls `load` for the cards it lacks; anything
    else that goes through the list (iterating, indexing) loads every object in one query.
    """

    def __init__(self, ids: list, queryset: QuerySet):
        self.ids = ids
        self._queryset = queryset  # what each object is loaded with: related rows, columns
        self._objects = None

    def __len__(self) -> int:
        return len(self.ids)

    def __bool__(self) -> bool:
        return bool(self.ids)

    def __iter__(self) -> Iterator:
        return iter(self.objects())

    def __getitem__(self, index):
        return self.objects()[index]

    def objects(self) -> list:
        if self._objects is None:
            found = self.load(self.ids)
            self._objects = [found[pk] for pk in self.ids if pk in found]
        return self._objects

    def load(self, ids) -> dict:
        """The objects with these ids, by id (one query; none if there are no ids)."""
        return self._queryset.in_bulk(ids) if ids else {}
