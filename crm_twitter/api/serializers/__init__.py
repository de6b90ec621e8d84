"""Serializers: shapes of what the API returns and accepts. Writes go through services."""
