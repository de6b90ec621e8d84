from django.contrib.auth.management import create_permissions
from django.db import migrations

from crm_twitter.seeds import seed_all, seed_groups


def forwards(apps, schema_editor):
    seed_all(apps)
    # Permissions are normally created after all migrations; the role groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    seed_groups(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("crm_twitter", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
