"""All SQL text of billing (outside its migrations), one module per concern:

* ``base``: table names (from the models), the covered statuses, the billing lock statement;
* ``lines``: a month's bill entries priced from memberships and the month's rate table;
* ``run``: the billing run's statements over its temporary tables (plan, bills, entries, counts);
* ``payments``: allocation of payments to bills, oldest month first;
* ``arrears``: what was paid as of a day, PU payers in arrears;
* ``lapse``: BPU memberships past the grace period, and the statements that lapse them.

Every statement works on whole sets (all memberships of a month, all open bills of the payers with
credit); none loops over people in Python. Table names come from the models; values always travel
as query parameters. The services (``billing.services``) run these statements and hold the logic
around them.
"""
