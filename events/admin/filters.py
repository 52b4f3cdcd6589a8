"""List filters whose every choice is explicit and one of them is the default.

Django's filters put an "All" on top that shows everything; a list that should open on
what matters today (upcoming sessions, people who still hold a place) needs its default
to be a choice like the others, marked as chosen when the link names none.
"""

from django.contrib import admin


class DefaultChoiceFilter(admin.SimpleListFilter):
    # Query parameters a choice's link drops (the session list's order belongs to it).
    dropped_by_choice: tuple[str, ...] = ()

    def default(self) -> str:
        raise NotImplementedError

    def value(self):
        chosen = super().value()
        offered = {str(value) for value, _label in self.lookup_choices}
        # An unknown value (an old or tampered link) falls back to the default.
        return chosen if chosen in offered else self.default()

    def choices(self, changelist):
        counts = self.get_facet_queryset(changelist) if changelist.add_facets else {}
        for i, (value, label) in enumerate(self.lookup_choices):
            if changelist.add_facets:
                label = f"{label} ({counts.get(f'{i}__c', '-')})"
            yield {
                "selected": self.value() == str(value),
                "query_string": changelist.get_query_string(
                    {self.parameter_name: value}, list(self.dropped_by_choice)
                ),
                "display": label,
            }
