"""Database helpers below the services and ``x/``: bulk writes (``bulk``), locks (``locks``) and
the few raw SQL statements the ORM cannot express cheaply (``sql``). Nothing here knows the
domain; everything works on SQLite and PostgreSQL."""
