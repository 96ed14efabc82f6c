"""Billing pages: the budget planner, bills and arrears (the calculators are ``parameters.views``).

Thin: read the request through a form, call ``budget_plan`` or a scoped billing selector or
service, render. Parameters always come from ``parameters.selectors.active_parameters``.
"""
