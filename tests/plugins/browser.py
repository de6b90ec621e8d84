"""Browser fixtures (owned by the inbox tests); placeholder until they land."""
