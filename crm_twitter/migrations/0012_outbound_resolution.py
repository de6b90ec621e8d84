from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("crm_twitter", "0011_media_archive"),
    ]

    operations = []
