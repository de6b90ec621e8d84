"""crm_twitter: a reusable Django app that runs an after-sales dispute desk on X/Twitter."""

__version__ = "0.1.0"
