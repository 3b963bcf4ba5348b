"""Roles as permissions of groups: Coordination coordinates the programme; Observation reads aggregates."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    coordinate = Permission.objects.get(content_type__app_label="people", codename="coordinate_programme")
    observe = Permission.objects.get(content_type__app_label="people", codename="observe_programme")
    coordination, _ = Group.objects.get_or_create(name="Coordination")
    coordination.permissions.add(coordinate, observe)
    observation, _ = Group.objects.get_or_create(name="Observation")
    observation.permissions.add(observe)


class Migration(migrations.Migration):
    dependencies = [("circles", "0004_coordination_group"), ("people", "0003_roles_permissions")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
