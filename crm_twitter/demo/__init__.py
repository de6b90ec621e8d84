"""Demo data that goes beyond the sandbox scenarios (see ``crm_twitter_demo``)."""
