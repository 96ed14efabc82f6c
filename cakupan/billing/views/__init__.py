"""Billing pages: bills, payments and arrears (the budget pages are ``billing.budget.views``, the
calculators ``parameters.views``).

Thin: read the request through a form, call a scoped billing selector or service, render.
Parameters always come from ``parameters.selectors.active_parameters``.
"""
