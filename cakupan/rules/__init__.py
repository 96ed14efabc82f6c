"""Effective-dated BPJS Ketenagakerjaan rules: parameters, contributions, benefits.

Pure Python, no Django: importable from billing's SQL builders, the web, the CLI and scripts alike.
Only ``cakupan.rules.*`` and ``cakupan.common.money`` may be imported here (a test enforces it).
"""
