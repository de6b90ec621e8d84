"""Cursor pagination for the big, growing collections; page numbers for the small lookup tables."""

from __future__ import annotations

from rest_framework.pagination import CursorPagination, PageNumberPagination

from crm_twitter.conf import app_settings

MAX_PAGE_SIZE = 500


class ApiCursorPagination(CursorPagination):
    """Stable under inserts (new cases/messages do not shift pages); ``?page_size=`` up to 500."""

    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = "-id"

    def __init__(self) -> None:
        self.page_size = app_settings.API_PAGE_SIZE


class ApiPageNumberPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def __init__(self) -> None:
        self.page_size = app_settings.API_PAGE_SIZE
