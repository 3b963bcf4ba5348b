"""Load the French territories (INSEE) and the job families (CNFPT) shipped in cercles/people/data/."""

import json
from pathlib import Path

from django.db import migrations

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def load(apps, schema_editor):
    Region = apps.get_model("people", "Region")
    Departement = apps.get_model("people", "Departement")
    JobFamilyGroup = apps.get_model("people", "JobFamilyGroup")
    JobFamily = apps.get_model("people", "JobFamily")
    territories = json.loads((DATA_DIR / "territories.json").read_text(encoding="utf-8"))
    for region in territories["regions"]:
        Region.objects.update_or_create(code=region["code"], defaults={"name": region["name"]})
    for dep in territories["departements"]:
        Departement.objects.update_or_create(code=dep["code"], defaults={"name": dep["name"], "region_id": dep["region"]})
    jobs = json.loads((DATA_DIR / "job_families.json").read_text(encoding="utf-8"))
    for group in jobs["groups"]:
        JobFamilyGroup.objects.update_or_create(code=group["code"], defaults={"name": group["name"]})
    for family in jobs["families"]:
        JobFamily.objects.update_or_create(code=family["code"], defaults={"name": family["name"], "group_id": family["group"]})


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
