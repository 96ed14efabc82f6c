"""Billing pages: the public calculators and parameter table, the budget planner, bills and arrears.

Thin: read the request through a form, call the rules engine, ``budget_plan`` or a scoped billing
selector or service, render. Parameters always come from ``billing.parameters.active_parameters``.
"""
