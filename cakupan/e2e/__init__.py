"""Browser tests: Debian's Chromium drives the web application over the demo data."""
