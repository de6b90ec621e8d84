"""crm_twitter: a reusable Django app that runs an after-sales dispute desk on X/Twitter."""

# The one place the version lives: pyproject.toml reads it (dynamic version), so the wheel, the
# installed metadata and this attribute always agree. Bump it with each release and give it a
# heading in CHANGELOG.md (a ``.devN`` version is the next release in the making: "Unreleased").
__version__ = "0.2.0.dev0"
