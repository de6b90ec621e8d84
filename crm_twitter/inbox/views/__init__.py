"""Inbox views: the queue page, the case page and the case actions (one module each)."""
