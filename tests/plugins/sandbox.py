"""X sandbox fixtures (owned by the X integration tests); placeholder until they land."""
