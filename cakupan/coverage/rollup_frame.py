"""The rollup's full rebuild in polars: the rows of ``coverage.rollup``'s SQL, computed off the server.

Why: a full rebuild groups about 25 million changes (a start and an end per membership, at levels 3
and 2) into month rows. PostgreSQL does that in one process per statement: grouping sets cannot run
in parallel, and the changes hardly collapse, so even one plain ``sum`` per region, key and day
costs about 30 s per level at 10 million memberships (``docs/benchmarks.md``). polars groups the
same changes on every core: a sort over one packed integer per change, sums over runs of equal
keys (half the time of its hash aggregate plus the sort the month rows need anyway). Measured: the
same rows in about half the time of the SQL rebuild at 2 million memberships; 104 s at 10 million
on a 2-core machine at load 10-20 (``docs/benchmarks.md``).

The contract is the SQL's, row for row: :func:`rollup.rebuild` with ``engine="sql"`` runs the
statements ``MEMBERS``, ``DESA``, ``POSTS`` (levels 3 and 2) and ``_UPWARD`` (levels 1 and 0),
and the tests compare both on the same registry. What is computed here, in the same steps:

* the changes: +1 on a covered membership's start date, -1 the day after its end date;
* ``members``: per kecamatan (``left(unit region, 8)``) and segment, and per kabupaten
  (``left(unit region, 5)``) and segment, scheme, funding source and occupation group (the
  occupation's group, else the occupation itself, else ``""``);
* ``desa``: per desa (units placed at a region of kind ``desa``), the days on which "at least one
  protected perangkat desa or BPD member" switches on (+1) or off (-1);
* ``posts``, ``units``, ``filled``: per unit and segment with formasi, the running posts, units and
  members (members counted only for unit/segment pairs that have a formasi at some time), filled =
  least(members, posts); their changes from one changing day to the next;
* month rows: ``net`` and the 31 day changes per region, key and month; provinces and Indonesia
  summed from the kabupaten rows.

Reading: COPY hands its data over one row per call (a few microseconds each in psycopg), so the
registry is read as a few hundred COPY rows, each the ``string_agg`` of the integers of one range
of 65,536 ids (codes of segment, scheme and funding source by their place among the model's
choices, dates as days since 1970-01-01). A value outside those choices (a row written around the
models) raises :class:`Unsupported` before anything is deleted, and the caller rebuilds with SQL.

Writing: one COPY of the rows in text format, after the DELETE, in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Sequence
from typing import Any

import polars as pl

from cakupan.registry.models import (
    COVERED_STATUSES,
    VILLAGE_OFFICIAL_SEGMENTS,
    FundingSource,
    Scheme,
    Segment,
)

EPOCH = dt.date(1970, 1, 1)
STEP = 1 << 16  # ids per COPY row of the readings
LOOKUP_LIMIT = 50_000_000  # largest unit id the dense lookups take (then: the SQL rebuild)
MEASURES = ("members", "desa", "posts", "units", "filled")
MEMBERS, DESA, POSTS, UNITS, FILLED = range(len(MEASURES))
# Code 0 of each coded column is "": the empty key of level-3 rows and of the desa and posts rows.
SEGMENTS = ("", *Segment.values)
SCHEMES = ("", *Scheme.values)
FUNDINGS = ("", *FundingSource.values)
DAYS = [f"d{d}" for d in range(1, 32)]
KEYS = ["code", "measure", "seg", "sch", "fund", "grp"]
_COVERED = ", ".join(f"'{s}'" for s in COVERED_STATUSES)


log = logging.getLogger(__name__)


class _Laps:
    """Seconds of each step, logged at DEBUG (where the rebuild's time goes, for the benchmark)."""

    def __init__(self) -> None:
        self.last = time.perf_counter()

    def __call__(self, step: str) -> None:
        now = time.perf_counter()
        log.debug("rollup rebuild: %s %.2f s", step, now - self.last)
        self.last = now


class Unsupported(Exception):
    """The registry holds a segment, scheme or funding source outside the model's choices."""


def _position(column: str, values: Sequence[str]) -> str:
    """SQL: the code of ``column`` among ``values`` (1-based, as in ``SEGMENTS``), -1 if absent."""
    literals = ", ".join(f"'{v}'" for v in values[1:])
    return f"coalesce(array_position(ARRAY[{literals}]::text[], {column}::text), -1)"


def _read(cursor: Any, table: str, columns: dict[str, str], where: str) -> pl.DataFrame:
    """The integer ``columns`` (name -> SQL expression, NULL allowed) of ``table``'s rows ``where``.

    One COPY row per range of ``STEP`` ids (``t.id``, read through the primary key): the rows of
    a range joined by ``;``, their values by ``,``, NULL as an empty value.
    """
    fields = ", ".join(f"coalesce(({expr})::text, '')" for expr in columns.values())
    statement = f"""
        COPY (
            SELECT (SELECT string_agg(concat_ws(',', {fields}), ';')
                      FROM {table} t WHERE t.id >= lo AND t.id < lo + {STEP} AND ({where}))
              FROM generate_series((SELECT min(id) FROM {table}), (SELECT max(id) FROM {table}),
                                   {STEP}) AS lo
        ) TO STDOUT
    """  # noqa: S608
    with cursor.copy(statement) as copy:
        parts = [bytes(data) for data in copy]
    # An empty range gives a NULL row ("\N"); the rows of a range are lines of a CSV file.
    data = b"".join(parts).replace(b"\\N\n", b"").replace(b";", b"\n")
    schema = dict.fromkeys(columns, pl.Int64)
    if not data:
        return pl.DataFrame(schema=schema)
    return pl.read_csv(data, has_header=False, new_columns=list(columns), schema=schema)


def _check(frame: pl.DataFrame, *names: str) -> None:
    for name in names:
        if frame.height and frame[name].min() < 0:  # type: ignore[operator]
            raise Unsupported(name)


def read_registry(cursor: Any) -> dict[str, Any]:
    """The registry's inputs of the rollup: memberships, units, occupations, formations."""
    days = "- DATE '1970-01-01'"
    memberships = _read(
        cursor,
        "registry_membership",
        {
            "unit": "unit_id",
            "seg": _position("segment", SEGMENTS),
            "sch": _position("scheme", SCHEMES),
            "fund": _position("funding_source", FUNDINGS),
            "occ": "occupation_id",
            "start": f"start_date {days}",
            "stop": f"end_date + 1 {days}",
        },
        f"status IN ({_COVERED})",
    )
    _check(memberships, "seg", "sch", "fund")
    formations = _read(
        cursor,
        "registry_unitformation",
        {
            "unit": "unit_id",
            "seg": _position("segment", SEGMENTS),
            "posts": "posts",
            "start": f"valid_from {days}",
            "stop": f"valid_to + 1 {days}",
        },
        "true",
    )
    _check(formations, "seg")
    cursor.execute(
        "SELECT u.id, u.region_id, r.kind = 'desa' FROM registry_unit u "
        "JOIN wilayah_region r ON r.code = u.region_id"
    )
    units = pl.DataFrame(
        cursor.fetchall(),
        schema={"unit": pl.Int64, "region": pl.String, "is_desa": pl.Boolean},
        orient="row",
    )
    cursor.execute(
        "SELECT o.id, coalesce(g.code, o.code) FROM registry_occupation o "
        "LEFT JOIN registry_occupation g ON g.id = o.group_id"
    )
    occupations = dict(cursor.fetchall())
    return {
        "memberships": memberships,
        "formations": formations,
        "units": units,
        "occupations": occupations,
    }


def _index(values: Sequence[str]) -> dict[str, int]:
    return {v: i for i, v in enumerate(values)}


def _bits(n: int) -> int:
    return max(1, int(n).bit_length())


def _month_rows(changes: pl.DataFrame, widths: dict[str, int]) -> pl.DataFrame:
    """Month rows (``KEYS``, ``month``, ``d1``..``d31``, ``net``) of ``changes`` (``KEYS``,
    ``day`` in days since 1970, ``delta``): per key and day a sum, then the days of each month.

    The key columns and the day are packed into one 64-bit integer (widths from the largest codes,
    day lowest): one hash table of integers, the fastest grouping polars has; sorted, a key's days
    follow each other, so each month is a run of rows, scattered into its 31 days.
    """
    if changes.height == 0:
        return pl.DataFrame(
            schema={
                **dict.fromkeys(KEYS, pl.Int64),
                "month": pl.Date,
                **dict.fromkeys(DAYS, pl.Int64),
                "net": pl.Int64,
            }
        )
    first = int(changes["day"].min())  # type: ignore[arg-type]
    span = _bits(int(changes["day"].max()) - first)  # type: ignore[arg-type]
    shifts: dict[str, int] = {}
    shift = span
    for name in reversed(KEYS):
        shifts[name] = shift
        shift += widths[name]
    if shift > 62:  # about 45 bits with real codes
        raise Unsupported("key too wide to pack")
    packed = pl.col("day").cast(pl.Int64) - first
    for name in KEYS:
        packed = packed + pl.col(name).cast(pl.Int64) * (1 << shifts[name])
    summed = _summed(changes.select(packed.alias("k"), pl.col("delta").cast(pl.Int64)), ["delta"])
    date = (pl.col("k") % (1 << span) + first).cast(pl.Int32).cast(pl.Date)
    dated = summed.select(
        (pl.col("k") // (1 << span)).alias("key"),
        date.dt.month_start().alias("month"),
        date.dt.day().cast(pl.Int64).alias("dom"),
        "delta",
    ).with_columns(
        ((pl.col("key") != pl.col("key").shift(1)) | (pl.col("month") != pl.col("month").shift(1)))
        .fill_null(True)
        .alias("new")
    )
    row = (dated["new"].cast(pl.Int64).cum_sum() - 1) * 31 + dated["dom"] - 1
    heads = dated.filter(pl.col("new")).select("key", "month")
    flat = pl.zeros(heads.height * 31, pl.Int64, eager=True).scatter(row, dated["delta"])
    return (
        heads.select(
            *[
                (pl.col("key") // (1 << (shifts[n] - span)) % (1 << widths[n])).alias(n)
                for n in KEYS
            ],
            "month",
        )
        .with_columns(*[flat.gather_every(31, offset=d).alias(name) for d, name in enumerate(DAYS)])
        .with_columns(pl.sum_horizontal(DAYS).alias("net"))
    )


def _summed(frame: pl.DataFrame, values: list[str]) -> pl.DataFrame:
    """``values`` of ``frame`` summed per packed key ``k``, sorted by ``k``.

    A sort and running sums taken at the end of each run of equal keys: half the time of a hash
    aggregate followed by the sort the month rows need anyway (the keys hardly repeat).
    """
    last = (pl.col("k") != pl.col("k").shift(-1)).fill_null(True)
    return (
        frame.sort("k")
        .with_columns(last.alias("last"), *[pl.col(v).cum_sum() for v in values])
        .filter(pl.col("last"))
        .select("k", *[pl.col(v) - pl.col(v).shift(1, fill_value=0) for v in values])
    )


def _pack(
    frame: pl.DataFrame, key: list[str], values: list[str]
) -> tuple[pl.DataFrame, list[pl.Expr]]:
    """``values`` of ``frame`` summed per ``key`` (non-negative integers but the last, a day),
    packed into one integer ``k`` (:func:`_summed`, sorted by ``key``); and the expressions that
    unpack ``key`` from ``k``."""
    first = int(frame[key[-1]].min() or 0) if frame.height else 0  # type: ignore[arg-type]
    shift, packed, unpack = 0, pl.lit(0, pl.Int64), []
    for name in reversed(key):
        column = pl.col(name).cast(pl.Int64) - (first if name == key[-1] else 0)
        top = int(frame.select(column.max()).item() or 0) if frame.height else 0
        width = _bits(top)
        packed = packed + column * (1 << shift)
        value = pl.col("k") // (1 << shift) % (1 << width)
        unpack.append((value + first if name == key[-1] else value).alias(name))
        shift += width
    if shift > 62:
        raise Unsupported("key too wide to pack")
    return _summed(frame.select(packed.alias("k"), *values), values), unpack


def _table(ids: pl.Series, values: pl.Series, size: int) -> pl.Series:
    """A dense lookup of ``size`` entries: ``values`` at the positions ``ids``, 0 elsewhere."""
    return pl.zeros(size, pl.Int64, eager=True).scatter(ids, values.cast(pl.Int64))


def _first_of(*partition: str) -> pl.Expr:
    """``first``: whether a row (of a frame sorted by ``partition``, then day) starts its partition.

    The running sums and previous values below are then plain column operations instead of
    window functions over a hundred thousand small partitions, which polars evaluates one by one.
    """
    new = pl.lit(False)
    for name in partition:
        new = new | (pl.col(name) != pl.col(name).shift(1))
    return new.fill_null(True).alias("first")


def _running(name: str) -> pl.Expr:
    """The running sum of ``name`` within its partition (``first`` marks where one starts)."""
    total = pl.col(name).cum_sum()
    return total - pl.when(pl.col("first")).then(total - pl.col(name)).forward_fill()


def _previous(name: str) -> pl.Expr:
    """The value of ``name`` on the partition's previous row, 0 on its first (SQL's ``lag(x, 1,
    0)``)."""
    return pl.when(pl.col("first")).then(0).otherwise(pl.col(name).shift(1))


def _upward(rows: pl.DataFrame, parent: dict[int, int]) -> pl.DataFrame:
    """Rows of the level above: ``rows`` summed per parent code (``parent``: code -> code)."""
    return (
        rows.with_columns(pl.col("code").replace_strict(parent, return_dtype=pl.Int64))
        .group_by([*KEYS, "month"])
        .agg(pl.col("net").sum(), *[pl.col(d).sum() for d in DAYS])
    )


def compute(inputs: dict[str, Any]) -> pl.DataFrame:
    """The rollup's rows: ``level``, ``KEYS`` (named: region code, measure, segment, scheme,
    funding source, occupation group), ``month``, ``net``, ``d1``..``d31``. See the module
    docstring for what each measure counts."""
    memberships: pl.DataFrame = inputs["memberships"]
    formations: pl.DataFrame = inputs["formations"]
    units: pl.DataFrame = inputs["units"]
    occupations: dict[int, str] = inputs["occupations"]
    lap = _Laps()

    # Region codes of every level (left(region, 8 | 5 | 2), and "" for Indonesia) as integers.
    regions = units["region"]
    codes = sorted(
        {""}
        | set(regions.str.slice(0, 8).unique())
        | set(regions.str.slice(0, 5).unique())
        | set(regions.str.slice(0, 2).unique())
    )
    code_index = _index(codes)
    groups = sorted({"", *occupations.values()})
    group_index = _index(groups)
    units = units.with_columns(
        pl.col("region")
        .str.slice(0, 8)
        .replace_strict(code_index, return_dtype=pl.Int64)
        .alias("area"),
        pl.col("region")
        .str.slice(0, 5)
        .replace_strict(code_index, return_dtype=pl.Int64)
        .alias("kab"),
        pl.col("region").rank("dense").cast(pl.Int64).alias("desa"),
    )
    # Dense lookups by unit id (a gather is several times faster than a join of millions of
    # changes): kecamatan and kabupaten codes, desa number (0: not at a desa).
    size = int(units.select(pl.col("unit").max()).item() or 0) + 1
    if size > LOOKUP_LIMIT:
        raise Unsupported("unit ids too large for a dense lookup")
    area_of = _table(units["unit"], units["area"], size)
    kab_of = _table(units["unit"], units["kab"], size)
    desa_of = _table(
        units["unit"], units.select(pl.when("is_desa").then("desa").otherwise(0))[:, 0], size
    )

    lap("codes")
    # The changes: +1 on the start, -1 the day after the end.
    columns = ["unit", "seg", "sch", "fund", "occ"]
    changes = pl.concat(
        [
            memberships.select(
                *columns, pl.col("start").alias("day"), pl.lit(1, pl.Int64).alias("delta")
            ),
            memberships.filter(pl.col("stop").is_not_null()).select(
                *columns, pl.col("stop").alias("day"), pl.lit(-1, pl.Int64).alias("delta")
            ),
        ]
    )

    lap("changes")
    # members: level 3 by segment, level 2 by segment, scheme, funding and occupation group.
    occupation_group = {o: group_index[g] for o, g in occupations.items()}
    members = changes.with_columns(
        area_of.gather(changes["unit"]).alias("area"),
        kab_of.gather(changes["unit"]).alias("kab"),
        pl.lit(MEMBERS, pl.Int64).alias("measure"),
        pl.col("occ")
        .replace_strict(occupation_group, default=0, return_dtype=pl.Int64)
        .fill_null(0)
        .alias("grp"),
    )

    lap("members")
    # desa: per desa, the days its "at least one protected village official" flag changes.
    officials = [SEGMENTS.index(s) for s in VILLAGE_OFFICIAL_SEGMENTS]
    desa_places = units.filter(pl.col("is_desa")).select("desa", "area", "kab").unique()
    officials_changes = changes.filter(pl.col("seg").is_in(officials))
    officials_changes = officials_changes.with_columns(
        desa_of.gather(officials_changes["unit"]).alias("desa")
    ).filter(pl.col("desa") > 0)
    per_desa, unpack = _pack(officials_changes, ["desa", "day"], ["delta"])
    per_desa = (
        per_desa.with_columns(*unpack)
        .with_columns(_first_of("desa"))
        .with_columns((_running("delta") > 0).cast(pl.Int64).alias("flag"))
        .with_columns((pl.col("flag") - _previous("flag")).alias("delta"))
        .filter(pl.col("delta") != 0)
        .join(desa_places, on="desa")
        .select(
            "area",
            "kab",
            pl.lit(DESA, pl.Int64).alias("measure"),
            pl.lit(0, pl.Int64).alias("seg"),
            "day",
            "delta",
        )
    )

    lap("desa")
    # posts, units, filled: per unit and segment with formasi, running counts and their changes.
    pair = pl.col("unit") * len(SEGMENTS) + pl.col("seg")
    has_posts = _table(
        formations.select(pair)[:, 0],
        pl.Series([1] * formations.height, dtype=pl.Int64),
        size * len(SEGMENTS),
    )
    in_pairs = changes.filter(has_posts.gather(changes.select(pair)[:, 0]) == 1)
    events = pl.concat(
        [
            formations.select(
                "unit", "seg", pl.col("start").alias("day"), pl.col("posts").alias("dp"),
                pl.lit(1, pl.Int64).alias("du"), pl.lit(0, pl.Int64).alias("dm"),
            ),
            formations.filter(pl.col("stop").is_not_null()).select(
                "unit", "seg", pl.col("stop").alias("day"), (-pl.col("posts")).alias("dp"),
                pl.lit(-1, pl.Int64).alias("du"), pl.lit(0, pl.Int64).alias("dm"),
            ),
            in_pairs.select(
                "unit", "seg", "day", pl.lit(0, pl.Int64).alias("dp"),
                pl.lit(0, pl.Int64).alias("du"), pl.col("delta").alias("dm"),
            ),
        ]
    )  # fmt: skip
    summed, unpack = _pack(events, ["unit", "seg", "day"], ["dp", "du", "dm"])
    running = (
        summed.with_columns(*unpack)
        .with_columns(_first_of("unit", "seg"))
        .with_columns(
            _running("dp").alias("posts"),
            _running("du").alias("units"),
            _running("dm").alias("members"),
        )
        .with_columns(pl.min_horizontal("members", "posts").alias("filled"))
    )
    post_changes = running.select(
        "unit",
        "seg",
        "day",
        *[(pl.col(n) - _previous(n)).alias(n) for n in ("posts", "units", "filled")],
    )
    post_changes = post_changes.with_columns(
        area_of.gather(post_changes["unit"]).alias("area"),
        kab_of.gather(post_changes["unit"]).alias("kab"),
    )
    posts = pl.concat(
        [
            post_changes.filter(pl.col(name) != 0).select(
                "area", "kab", pl.lit(code, pl.Int64).alias("measure"), "seg", "day",
                pl.col(name).alias("delta"),
            )
            for name, code in (("posts", POSTS), ("units", UNITS), ("filled", FILLED))
        ]
    )  # fmt: skip

    lap("posts")
    zero = pl.lit(0, pl.Int64)
    lower = [
        pl.concat(
            [
                members.select(
                    pl.col("area").alias("code"), "measure", "seg", zero.alias("sch"),
                    zero.alias("fund"), zero.alias("grp"), "day", "delta",
                ),
                *[
                    frame.select(
                        pl.col("area").alias("code"), "measure", "seg", zero.alias("sch"),
                        zero.alias("fund"), zero.alias("grp"), "day", "delta",
                    )
                    for frame in (per_desa, posts)
                ],
            ]
        ),
        pl.concat(
            [
                members.select(
                    pl.col("kab").alias("code"), "measure", "seg", "sch", "fund", "grp", "day",
                    "delta",
                ),
                *[
                    frame.select(
                        pl.col("kab").alias("code"), "measure", "seg", zero.alias("sch"),
                        zero.alias("fund"), zero.alias("grp"), "day", "delta",
                    )
                    for frame in (per_desa, posts)
                ],
            ]
        ),
    ]  # fmt: skip
    widths = {
        "code": _bits(len(codes)),
        "measure": _bits(len(MEASURES)),
        "seg": _bits(len(SEGMENTS)),
        "sch": _bits(len(SCHEMES)),
        "fund": _bits(len(FUNDINGS)),
        "grp": _bits(len(groups)),
    }
    kecamatan = _month_rows(lower[0].with_columns(pl.col(KEYS).cast(pl.Int64)), widths)
    lap("level 3")
    kabupaten = _month_rows(lower[1].with_columns(pl.col(KEYS).cast(pl.Int64)), widths)
    lap("level 2")
    province = _upward(kabupaten, {i: code_index[c[:2]] for i, c in enumerate(codes)})
    indonesia = _upward(province, dict.fromkeys(range(len(codes)), code_index[""]))
    lap("levels 1 and 0")
    order = ["level", *KEYS, "month", "net", *DAYS]
    rows = pl.concat(
        [
            frame.with_columns(pl.lit(level, pl.Int16).alias("level")).select(order)
            for level, frame in ((3, kecamatan), (2, kabupaten), (1, province), (0, indonesia))
        ]
    )
    return rows.with_columns(
        pl.col("code").replace_strict(dict(enumerate(codes)), return_dtype=pl.String),
        pl.col("measure").replace_strict(dict(enumerate(MEASURES)), return_dtype=pl.String),
        pl.col("seg").replace_strict(dict(enumerate(SEGMENTS)), return_dtype=pl.String),
        pl.col("sch").replace_strict(dict(enumerate(SCHEMES)), return_dtype=pl.String),
        pl.col("fund").replace_strict(dict(enumerate(FUNDINGS)), return_dtype=pl.String),
        pl.col("grp").replace_strict(dict(enumerate(groups)), return_dtype=pl.String),
    )


def rebuild(cursor: Any, table: str) -> None:
    """Replace every row of ``table`` by the rows computed from the registry, in the caller's
    transaction. Raises :class:`Unsupported` before it deletes anything."""
    lap = _Laps()
    inputs = read_registry(cursor)
    lap("read")
    rows = compute(inputs)
    del inputs
    lap("compute, all of it")
    cursor.execute(f"DELETE FROM {table}")  # noqa: S608
    lap("delete")
    write(cursor, table, rows)
    lap("write")


def write(cursor: Any, table: str, rows: pl.DataFrame) -> None:
    """COPY ``rows`` (from :func:`compute`) into ``table`` (text format: no value holds a tab, a
    backslash or a newline; region codes, choices and occupation slugs)."""
    # In the index's order (level, code, month): its pages fill one after the other, and a
    # region's months end up next to each other in the table, as pages read them.
    out = rows.sort("level", "code", "month").select(
        "level",
        "code",
        "month",
        "measure",
        "seg",
        "sch",
        "fund",
        "grp",
        "net",
        pl.format("{{" + ",".join("{}" for _ in DAYS) + "}}", *DAYS).alias("days"),
    )
    payload = out.write_csv(
        separator="\t", quote_style="never", include_header=False, date_format="%Y-%m-%d"
    ).encode()
    statement = (
        f"COPY {table} (level, code, month, measure, segment, scheme, funding, grp, net, days) "
        "FROM STDIN"
    )
    view = memoryview(payload)
    with cursor.copy(statement) as copy:
        step = 1 << 20
        for i in range(0, len(view), step):
            copy.write(view[i : i + step])
