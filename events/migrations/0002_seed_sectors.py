from django.db import migrations

SECTORS = [
    ("Business & retail", "business-retail"),
    ("Hospitality & lodging", "hospitality-lodging"),
    ("Transportation", "transportation"),
    ("Schools & education", "schools-education"),
    ("Social work & social services", "social-work"),
    ("Healthcare", "healthcare"),
    ("Law enforcement & first responders", "law-enforcement"),
    ("Faith communities", "faith-communities"),
    ("Advocacy & non-profits", "advocacy-nonprofits"),
    ("Government", "government"),
    ("Agriculture & energy", "agriculture-energy"),
    ("Community member", "community-member"),
]


def seed(apps, schema_editor):
    Sector = apps.get_model("events", "Sector")
    for order, (name, slug) in enumerate(SECTORS, start=1):
        Sector.objects.update_or_create(slug=slug, defaults={"name": name, "order": order * 10})


def unseed(apps, schema_editor):
    apps.get_model("events", "Sector").objects.filter(
        slug__in=[slug for _, slug in SECTORS], registrations__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("events", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
