"""API views: thin — validate input, call one service or selector, serialize the result."""
