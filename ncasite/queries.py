"""Lists that ask the database for ids only, with SQL the ORM compiles once per process.

A list page's cards are kept in the cache by id (the `cards` tag), so on a warm card cache the
page needs from the database only which ids to show, in order. Django spends longer building
and compiling such a query (0.6–1.3 ms) than PostgreSQL spends answering it, and longer again
turning rows into model instances: `list_ids` compiles each query shape once and then runs its
SQL with each call's values; `ByIds` loads objects only for the cards the cache lacks.
"""

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet
from django.db.models.query import get_related_populators
from django.http import Http404

MAX_SHAPES = 1024
_local = threading.local()  # compiled queries hold their thread's database connection


@dataclass(frozen=True)
class Compiled:
    sql: str
    params: tuple
    slots: list[tuple[int, str]]  # (position in params, name of the value that goes there)
    compiler: object = None  # for objects: the columns, converters and related models

    def run(self, values: dict) -> list:
        params = list(self.params)
        for index, name in self.slots:
            params[index] = values[name]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            return cursor.fetchall()


def shapes() -> dict:
    if not hasattr(_local, "shapes"):
        _local.shapes = {}
    return _local.shapes


def list_ids(shape: tuple, build: Callable[..., QuerySet], **values) -> list:
    """The primary keys of `build(**values)`, in its order.

    `build` must give the same SQL for any values: `shape` names the query and anything that
    changes its SQL (which filters apply, the slice). Values may be ints, dates and
    datetimes, and strings compared exactly. The ORM compiles `build` once per shape with
    stand-in values; each call swaps in its own. Where a database changes a value on the way
    (SQLite turns datetimes into text), the stand-ins cannot be found and every call compiles
    afresh: the same answer, only slower.
    """
    compiled = _compiled(
        ("ids", *shape), lambda **v: build(**v).values_list("pk", flat=True), values
    )
    if compiled is None:
        return list(build(**values).values_list("pk", flat=True))
    return [row[0] for row in compiled.run(values)]


def load_objects(shape: tuple, build: Callable[..., QuerySet], **values) -> list:
    """The model instances of `build(**values)`, like iterating it, compiled as list_ids is.

    For the few queries every page of a kind runs, such as its main object by slug. Related
    models from select_related() come along; prefetch_related() and annotations do not.
    """
    compiled = _compiled(("objects", *shape), build, values, keep_compiler=True)
    if compiled is None:
        return list(build(**values))
    compiler = compiled.compiler
    klass_info, select = compiler.klass_info, compiler.select
    first, last = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    names = [column[0].target.attname for column in select[first:last]]
    model, db = klass_info["model"], compiler.using
    populators = get_related_populators(klass_info, select, db)
    objects = []
    for row in compiler.results_iter([compiled.run(values)]):
        obj = model.from_db(db, names, row[first:last])
        for populator in populators:
            populator.populate(row, obj)
        objects.append(obj)
    return objects


def load_one_or_404(shape: tuple, build: Callable[..., QuerySet], **values):
    """The first object load_objects finds, or Http404."""
    found = load_objects(shape, lambda **v: build(**v)[:1], **values)
    if not found:
        raise Http404("Nothing has this address.")
    return found[0]


def _compiled(key: tuple, build, values: dict, keep_compiler: bool = False) -> Compiled | None:
    known = shapes()
    key = (connection.vendor, *key)
    if key not in known:
        if len(known) >= MAX_SHAPES:
            known.clear()
        known[key] = _compile(build, values, keep_compiler)
    return known[key]


def _compile(build, values, keep_compiler) -> Compiled | None:
    """Compile with two sets of stand-ins; keep the SQL only if the two agree everywhere but
    in the stand-ins' places (a value used in an altered form, or in the SQL itself, makes
    them differ)."""
    first = _compile_with(build, values, keep_compiler, variant=0)
    second = _compile_with(build, values, False, variant=1)
    if first is None or second is None or (first.sql, first.slots) != (second.sql, second.slots):
        return None
    if len(first.params) != len(second.params):
        return None
    fixed = {index for index, _name in first.slots}
    pairs = enumerate(zip(first.params, second.params, strict=True))
    return first if all(a == b for i, (a, b) in pairs if i not in fixed) else None


def _compile_with(build, values, keep_compiler, variant: int) -> Compiled | None:
    stand_ins = {
        name: _stand_in(value, 2 * n + variant) for n, (name, value) in enumerate(values.items())
    }
    queryset = build(**stand_ins)
    if keep_compiler and (queryset._prefetch_related_lookups or queryset.query.annotations):
        raise ValueError("load_objects cannot prefetch or annotate.")
    compiler = queryset.query.get_compiler(using=queryset.db)
    try:
        sql, params = compiler.as_sql()
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
    return Compiled(sql, tuple(params), slots, compiler if keep_compiler else None)


def _stand_in(value, n: int):
    """A value of the same type, in range for its column, that no real query asks for."""
    if isinstance(value, bool):
        raise TypeError("list_ids cannot stand in for a bool: its SQL may depend on it.")
    if isinstance(value, int):
        return 1_999_731_000 + n
    if isinstance(value, datetime):
        return datetime(2, 3, 4, 5, 6, 7, 310_000 + n, tzinfo=value.tzinfo and UTC)
    if isinstance(value, date):
        return date(2, 3, 4) + timedelta(days=n)
    if isinstance(value, str):
        return f"ncasite-stand-in-{n}-7310"
    raise TypeError(f"list_ids cannot stand in for {type(value).__name__}.")


class ByIds:
    """A list of objects known by id, in order; the objects are loaded when first needed.

    `cards` renders from its cache by id and calls `load` for the cards it lacks; anything
    else that goes through the list (iterating, indexing) loads every object in one query.
    """

    def __init__(self, ids: list, queryset: QuerySet | None, loaded=None):
        self.ids = ids
        self._queryset = queryset  # what each object is loaded with (None: all at hand)
        self._loaded = {obj.pk: obj for obj in loaded or ()}  # objects already at hand
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
        """The objects with these ids, by id (one query for those not at hand)."""
        found = {pk: self._loaded[pk] for pk in ids if pk in self._loaded}
        missing = [pk for pk in ids if pk not in found]
        return found | (self._queryset.in_bulk(missing) if missing else {})
