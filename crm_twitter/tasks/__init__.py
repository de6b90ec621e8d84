"""django-q2 task functions, one module per concern. Each takes ids and calls one service."""
