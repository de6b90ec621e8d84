"""Django admin registrations, one module per concept."""
