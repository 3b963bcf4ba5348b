"""Name the Site record after the programme and its address, instead of Django's "example.com".

allauth and the admin read it (e-mail subjects, "view on site"); SITE_URL and PROGRAMME_NAME set it.
Run again after changing them: `manage.py migrate core zero && manage.py migrate core`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import migrations


def site_domain() -> str:
    return urlsplit(settings.SITE_URL).netloc or "127.0.0.1:8000"


def name_site(apps: Any, schema_editor: Any) -> None:
    site_model = apps.get_model("sites", "Site")
    site_model.objects.update_or_create(
        pk=settings.SITE_ID, defaults={"domain": site_domain(), "name": settings.PROGRAMME_NAME}
    )


class Migration(migrations.Migration):
    dependencies = [("sites", "0002_alter_domain_unique")]

    operations = [migrations.RunPython(name_site, migrations.RunPython.noop)]
