"""The ``cakupan`` command: Django's management commands under the project's own name.

Every subcommand (``regions``, ``nik``, ``stats``, ``units``, ``demo``, ``serve``, ``db``, and the
Django built-ins such as ``migrate``) calls the same services and selectors as the web.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cakupan.config.settings.base")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["cakupan", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
