from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("crm_twitter", "0008_case_outcome_history"),
    ]

    operations = []
