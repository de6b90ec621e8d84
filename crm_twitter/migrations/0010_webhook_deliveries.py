from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("crm_twitter", "0009_user_preferences"),
    ]

    operations = []
