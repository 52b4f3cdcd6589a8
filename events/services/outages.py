"""What a dependency that is away looks like, named once for every layer that answers it."""

from django.db import InterfaceError, OperationalError

# The errors of a database that is away (restarting, unreachable, out of connections),
# as opposed to a bug in a query: a page answers 503, a task tries again later.
DATABASE_OUTAGE = (OperationalError, InterfaceError)
