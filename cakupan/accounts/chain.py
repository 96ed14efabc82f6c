"""Checking the audit log's hash chain (migration ``0006``, docs/integrity.md).

The database writes the chain; this module only reads it. :func:`chain_verify` recomputes, with the
same SQL functions the triggers use, every row's hash from the row before it in its block, every
block's row count and last hash against its link, and every link's hash from the link before it,
and reports the first broken link in chain order (link ``seq``, then position in the block).

What it finds: a row changed, removed or added in a block (with the triggers switched off, the only
way), a block without its link or a link without its rows, a link changed or removed. What no chain
can find alone: the newest links and their rows removed together. Keep the head (``seq`` and
``hash``, printed by ``cakupan audit verify``) somewhere else and compare it later (``--expect``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from django.db import connection

from cakupan.accounts.models import AuditEvent, AuditLink

EVENTS = AuditEvent._meta.db_table
LINKS = AuditLink._meta.db_table

# Each row against the row before it in its block; the first row of a block has none.
_ROWS_SQL = f"""
SELECT l.seq, x.chain_block, x.chain_pos, x.id,
       CASE WHEN x.chain_pos <> coalesce(x.prev_pos, 0) + 1 THEN 'position'
            ELSE 'row_hash' END
  FROM (SELECT e AS rec, e.id, e.chain_block, e.chain_pos, e.chain_hash,
               lag(e.chain_hash) OVER w AS prev_hash, lag(e.chain_pos) OVER w AS prev_pos
          FROM {EVENTS} e
        WINDOW w AS (PARTITION BY e.chain_block ORDER BY e.chain_pos, e.id)) x
  LEFT JOIN {LINKS} l ON l.block = x.chain_block
 WHERE x.chain_pos <> coalesce(x.prev_pos, 0) + 1
    OR x.chain_hash IS DISTINCT FROM accounts_auditevent_row_hash(x.prev_hash, x.rec)
 ORDER BY l.seq NULLS LAST, x.chain_block, x.chain_pos
 LIMIT 1
"""  # noqa: S608 - our own table names

# Each block against its link: the link exists, and holds the block's row count and last hash.
_BLOCKS_SQL = f"""
SELECT l.seq, coalesce(b.block, l.block), b.last_pos, b.last_id,
       CASE WHEN l.seq IS NULL THEN 'link_missing'
            WHEN b.block IS NULL THEN 'rows_missing'
            WHEN b.n <> l.rows OR b.last_pos <> l.rows THEN 'row_count'
            ELSE 'last_hash' END
  FROM (SELECT DISTINCT ON (chain_block) chain_block AS block, chain_pos AS last_pos,
               id AS last_id, chain_hash AS last_hash,
               count(*) OVER (PARTITION BY chain_block) AS n
          FROM {EVENTS}
         ORDER BY chain_block, chain_pos DESC, id DESC) b
  FULL JOIN {LINKS} l ON l.block = b.block
 WHERE l.seq IS NULL OR b.block IS NULL OR b.n <> l.rows OR b.last_pos <> l.rows
    OR b.last_hash IS DISTINCT FROM l.last_hash
 ORDER BY l.seq NULLS LAST, coalesce(b.block, l.block)
 LIMIT 1
"""  # noqa: S608

# Each link against the link before it.
_LINKS_SQL = f"""
SELECT x.seq, x.block,
       CASE WHEN x.seq <> coalesce(x.prev_seq, 0) + 1 THEN 'link_seq' ELSE 'link_hash' END
  FROM (SELECT l.*, lag(l.seq) OVER w AS prev_seq, lag(l.hash) OVER w AS prev_hash
          FROM {LINKS} l WINDOW w AS (ORDER BY l.seq)) x
 WHERE x.seq <> coalesce(x.prev_seq, 0) + 1
    OR x.hash IS DISTINCT FROM
       accounts_auditlink_hash(x.prev_hash, x.seq, x.block, x.rows, x.last_hash, x.at)
 ORDER BY x.seq
 LIMIT 1
"""  # noqa: S608

# What each kind of break means, for people reading the report.
REASONS = {
    "row_hash": "the row's hash does not match its content and the row before it",
    "position": "a row is missing (or was added) before this position in its block",
    "link_missing": "the block has no link: its rows were added outside a committed transaction",
    "rows_missing": "the link's block has no rows left",
    "row_count": "the block has more or fewer rows than its link recorded",
    "last_hash": "the block's last row is not the one its link recorded",
    "link_seq": "a link is missing before this one",
    "link_hash": "the link's hash does not match its content and the link before it",
}


@dataclass(frozen=True, slots=True)
class Break:
    """The first broken link: where in the chain (link ``seq``, block, position, row) and why."""

    link: int | None
    block: int | None
    position: int | None
    event_id: int | None
    reason: str
    explanation: str


@dataclass(frozen=True, slots=True)
class ChainReport:
    ok: bool
    rows: int
    links: int
    head_seq: int | None
    head_hash: str | None
    first_broken: Break | None
    expected_head: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if self.expected_head is None:
            del data["expected_head"]
        return data


def _first(db: Any, sql: str) -> tuple[Any, ...] | None:
    with db.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()


def _order(b: Break) -> tuple[int, int, int]:
    last = 2**63
    return (
        b.link if b.link is not None else last,
        b.block if b.block is not None else last,
        b.position if b.position is not None else 0,
    )


def chain_verify(
    *, expect_seq: int | None = None, expect_hash: str | None = None, db: Any = None
) -> ChainReport:
    """Recompute the whole chain; the first broken link in chain order, or none.

    The open block of the caller's own transaction, if any, is linked first (its link is otherwise
    written at commit). ``expect_seq`` and ``expect_hash``: a head recorded earlier elsewhere; the
    chain must still hold that link with that hash. ``db``: a connection other than Django's (a
    test's second session), anything with ``cursor()``.
    """
    db = connection if db is None else db
    with db.cursor() as cursor:
        if db is connection and connection.in_atomic_block:
            cursor.execute("SET CONSTRAINTS accounts_auditevent_link IMMEDIATE")
            cursor.execute("SET CONSTRAINTS accounts_auditevent_link DEFERRED")
        cursor.execute(f"SELECT count(*) FROM {EVENTS}")  # noqa: S608
        rows = int(cursor.fetchone()[0])
        cursor.execute(f"SELECT seq, encode(hash, 'hex') FROM {LINKS} ORDER BY seq DESC LIMIT 1")  # noqa: S608
        head = cursor.fetchone()
        cursor.execute(f"SELECT count(*) FROM {LINKS}")  # noqa: S608
        links = int(cursor.fetchone()[0])
    found: list[Break] = []
    row = _first(db, _ROWS_SQL)
    if row:
        found.append(Break(row[0], row[1], row[2], row[3], row[4], REASONS[row[4]]))
    block = _first(db, _BLOCKS_SQL)
    if block:
        found.append(Break(block[0], block[1], block[2], block[3], block[4], REASONS[block[4]]))
    link = _first(db, _LINKS_SQL)
    if link:
        found.append(Break(link[0], link[1], None, None, link[2], REASONS[link[2]]))
    expected: dict[str, Any] | None = None
    if expect_seq is not None:
        with db.cursor() as cursor:
            cursor.execute(
                f"SELECT encode(hash, 'hex') FROM {LINKS} WHERE seq = %s",  # noqa: S608
                [expect_seq],
            )
            stored = cursor.fetchone()
        matches = stored is not None and (expect_hash is None or stored[0] == expect_hash.lower())
        expected = {"seq": expect_seq, "hash": expect_hash, "matches": matches}
        if not matches:
            found.append(
                Break(
                    expect_seq,
                    None,
                    None,
                    None,
                    "expected_head",
                    "the chain no longer holds the link recorded earlier with that hash",
                )
            )
    first = min(found, key=_order) if found else None
    return ChainReport(
        ok=first is None,
        rows=rows,
        links=links,
        head_seq=head[0] if head else None,
        head_hash=head[1] if head else None,
        first_broken=first,
        expected_head=expected,
    )
