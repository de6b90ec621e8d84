"""Reserved slot: filled in by the work that owns it, or left empty (a no-op)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("crm_twitter", "0019_spare")]

    operations = []
