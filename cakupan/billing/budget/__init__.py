"""The budget planner: next year's contribution budget per payer and month (APBD per OPD, APBDes per
desa), as JSON (``cakupan budget plan``), a web page with a chart (``/anggaran/``) or an XLSX for
drafting the RKA/APBDes.

* ``plan``: :func:`budget_plan` and its result types (the contract is in that module's docstring);
* ``workbook``: the plan as an XLSX; ``chart``: the page's monthly bar chart;
* ``forms``, ``views``: the ``/anggaran/`` pages (URLs in ``billing.urls``, template
  ``billing/budget.html``); the command is ``billing/management/commands/budget.py``.

Why a subpackage of billing and not an app of its own: the plan is billing's question asked a year
ahead. It bills the same people the same way (the payer is ``coalesce(unit.payer, unit)``, a month
is priced with the rates in force for it), and sets every payer's plan beside what billing billed it
the year before (``billing.selectors.billed_by_payer``). It has no models and no migrations; as an
app it would only add a dependency on billing's selectors and a second URL namespace for pages the
menu already lists under billing. Its modules stay together here and import nothing from billing
but that selector, so it can become an app later without untangling.
"""

from cakupan.billing.budget.plan import (
    APBD,
    APBDES,
    BudgetError,
    BudgetPlan,
    Group,
    PayerPlan,
    Targets,
    budget_plan,
)

__all__ = [
    "APBD",
    "APBDES",
    "BudgetError",
    "BudgetPlan",
    "Group",
    "PayerPlan",
    "Targets",
    "budget_plan",
]
