"""The "Organizers" group: staff who run their own sessions and rosters.

The admin narrows every list to the sessions a user organizes (selectors/scope.py);
these model permissions decide which pages an organizer may open at all. They get no
delete permission on sessions or registrations and cannot add registrations (those
come from the public form).

One list, granted after every migrate (post_migrate, connected in apps.py), so a new
permission is one line here rather than one more data migration.
"""

ORGANIZERS_GROUP = "Organizers"
ORGANIZER_PERMISSIONS = [
    "view_sector",
    "view_training",
    "add_trainingsession",
    "change_trainingsession",
    "view_trainingsession",
    "change_registration",
    "view_registration",
    "view_auditentry",
    "view_certificate",
    "change_certificate",
    "view_notification",
    "change_notification",
    "view_questionnaire",
    "add_questionnaire",
    "change_questionnaire",
    "view_question",
    "add_question",
    "change_question",
    "delete_question",
    "view_choice",
    "add_choice",
    "change_choice",
    "delete_choice",
    "view_gateoverride",
    "add_gateoverride",
]


def sync_organizers_group(**kwargs):
    """Create the group and grant it every permission of the list it lacks.

    Permissions an operator added by hand stay: this only adds. Runs after Django's own
    post_migrate handler has created the models' permissions.
    """
    from django.contrib.auth.models import Group, Permission

    group, _created = Group.objects.get_or_create(name=ORGANIZERS_GROUP)
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="events", codename__in=ORGANIZER_PERMISSIONS
        )
    )
    return group
