"""BPU lapse: the memberships past the grace period as of a day, and the statements that lapse them
(through the temporary table ``billing_lapse``, dropped at commit)."""

from __future__ import annotations

from cakupan.billing.sql.arrears import PAID_AS_OF
from cakupan.billing.sql.base import BILL, ENTRY, LAPSE, MEMBERSHIP, PERSON, UNIT

LAPSE_CANDIDATES = f"""
WITH paid AS ({PAID_AS_OF}),
months AS (
    SELECT DISTINCT l.membership_id, b.month, b.total <= coalesce(paid.paid, 0) AS settled
      FROM {ENTRY} l
      JOIN {BILL} b ON b.id = l.bill_id
      JOIN {MEMBERSHIP} m ON m.id = l.membership_id
      LEFT JOIN paid ON paid.bill_id = b.id
     WHERE l.scheme = 'bpu' AND m.scheme = 'bpu' AND m.status IN ('registered', 'active')
       AND b.month <= %(on)s
),
first_unpaid AS (
    SELECT membership_id, min(month) AS oldest_unpaid
      FROM months WHERE NOT settled GROUP BY membership_id
)
SELECT f.membership_id, f.oldest_unpaid,
       max(x.month) FILTER (WHERE x.settled AND x.month < f.oldest_unpaid) AS last_paid,
       (f.oldest_unpaid + make_interval(months => %(grace)s))::date AS lapsed_on
  FROM first_unpaid f JOIN months x USING (membership_id)
 WHERE (f.oldest_unpaid + make_interval(months => %(grace)s))::date <= %(on)s
 GROUP BY f.membership_id, f.oldest_unpaid
"""  # noqa: S608
"""BPU memberships (registered or active) whose oldest contribution month unpaid on ``%(on)s`` lies
more than ``%(grace)s`` months back: the grace period runs from the end of the last paid protection
period (the day before the oldest unpaid month) for ``grace`` months, so the membership lapses on
the first day of month ``oldest_unpaid + grace``. A month counts as paid when its bill had received
its whole total from payments dated on or before ``on``."""

DROP_LAPSE_TABLE = "DROP TABLE IF EXISTS billing_lapse"

CREATE_LAPSE_TABLE = f"""CREATE TEMP TABLE billing_lapse ON COMMIT DROP AS
            SELECT c.membership_id, c.oldest_unpaid, c.last_paid, c.lapsed_on,
                   m.status AS old_status, m.end_date AS old_end,
                   least(coalesce(m.end_date, 'infinity'::date), greatest(m.start_date,
                         coalesce((c.last_paid + interval '1 month' - interval '1 day')::date,
                                  c.oldest_unpaid - 1))) AS new_end
              FROM ({LAPSE_CANDIDATES}) c
              JOIN {MEMBERSHIP} m ON m.id = c.membership_id"""  # noqa: S608
"""Each candidate with its membership's status and end date before and after: the new end date is
the last day of the last paid month (the day before the oldest unpaid month when none was paid),
never before the start, never after an end date already set. ``%(on)s``, ``%(grace)s``."""

LAPSE_ENDS = "SELECT membership_id, new_end FROM billing_lapse ORDER BY membership_id"
"""The memberships to lapse with their new end date (``registry.services.memberships_close``)."""

RECORD_LAPSES = f"""INSERT INTO {LAPSE} (membership_id, lapsed_on,
                   last_paid_month, oldest_unpaid_month, reason, checked_on, created_at)
            SELECT membership_id, lapsed_on, last_paid, oldest_unpaid, %s, %s, now()
              FROM billing_lapse"""  # noqa: S608
"""Parameters: the reason (text) and the day of the check."""

LAPSED = f"""SELECT l.membership_id, l.oldest_unpaid, l.last_paid, l.lapsed_on, l.old_status,
                       l.old_end, l.new_end, x.id, u.code, pe.nik
                  FROM billing_lapse l
                  JOIN {LAPSE} x ON x.membership_id = l.membership_id
                  JOIN {MEMBERSHIP} m ON m.id = l.membership_id
                  JOIN {UNIT} u ON u.id = m.unit_id
                  JOIN {PERSON} pe ON pe.id = m.person_id
                 ORDER BY l.membership_id"""  # noqa: S608
"""What was lapsed, for the audit rows and the result: membership, months, dates, lapse row,
unit code and NIK."""
