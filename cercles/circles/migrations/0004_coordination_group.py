"""The "Coordination" group: what the programme team may manage in the admin.

Kinds, circles, memberships, people, profiles and organisations; never anything written inside a circle.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = {
    "circles": ["circlekind", "circle", "membership"],
    "people": ["user", "profile", "organisation"],
}
READ_ONLY = {"people": ["region", "departement", "jobfamily", "jobfamilygroup"]}


def create_group(apps, schema_editor):
    # Permissions are normally created after all migrations; this group needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Coordination")
    codenames = [
        f"{action}_{model}"
        for models in MODELS.values()
        for model in models
        for action in ("view", "add", "change", "delete")
    ] + [f"view_{model}" for models in READ_ONLY.values() for model in models]
    group.permissions.set(Permission.objects.filter(content_type__app_label__in=["circles", "people"], codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [("circles", "0003_circle_kinds"), ("people", "0002_reference_data"), ("auth", "0012_alter_user_first_name_max_length"), ("contenttypes", "0002_remove_content_type_name")]
    operations = [migrations.RunPython(create_group, migrations.RunPython.noop)]
