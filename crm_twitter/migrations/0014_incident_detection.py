"""Incident detection: no schema change.

The tick reads cases through the existing ``opened_at`` index, probes tweets and DMs through
their (case, created_at) indexes, orders through the case–order link's unique (case, order)
index, and incident links through their ``case`` foreign-key index (bench/incidents.py). A new
index on the bulk-written tweet or case tables would cost every sync more than it saves the tick.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("crm_twitter", "0013_incidents")]

    operations = []
