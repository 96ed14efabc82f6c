#!/usr/bin/env python
"""Django's manage.py, kept for habit; ``cakupan`` is the same thing."""

from cakupan.cli import main

if __name__ == "__main__":
    main()
