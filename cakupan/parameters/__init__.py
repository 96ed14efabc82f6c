"""The Django side of the rules engine (``cakupan.rules``): the parameters in force in this
installation, and the public calculators that price with them.

* ``models.ParameterOverride``: an administrator's value for an unverified regulation parameter
  (set in the Django admin, ``admin.py``);
* ``selectors.active_parameters()``: the data files of ``cakupan.rules`` with those overrides
  applied, the one source of parameters for every caller (billing, the budget planner, the
  calculators, ``cakupan calc``); ``services``: setting and withdrawing overrides (audited);
* ``views``/``forms``/``display``: ``/kalkulator/`` (contribution), ``/kalkulator/manfaat/``
  (benefits) and ``/kalkulator/parameter/`` (the parameter table), public, no login;
* ``cakupan calc contribution|benefit``: the same calculators on the command line.

Nothing here bills anyone: billing and the budget planner import from this app, never the reverse.
"""
