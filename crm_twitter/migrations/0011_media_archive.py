from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("crm_twitter", "0010_webhook_deliveries"),
    ]

    operations = []
