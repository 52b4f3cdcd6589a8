"""Seats held for sectors: part of a session's capacity kept for some sectors until a date."""

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .catalog import Sector, TrainingSession


class SeatHold(models.Model):
    """Seats of a session kept for registrants of some sectors until `until`.

    Whether a hold runs is read from `until` against the clock wherever seats are
    counted (events/selectors/seat_holds.py), never from a flag a job would flip: at
    its end the hold's free seats are general seats at once. A held seat taken is
    recorded on the registration (Registration.hold), so a hold's count is exact.
    """

    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="seat_holds",
    )
    sectors = models.ManyToManyField(Sector, verbose_name=_("sectors"), related_name="+")
    seats = models.PositiveIntegerField(
        _("seats"), validators=[MinValueValidator(1)], help_text=_("Part of the capacity.")
    )
    until = models.DateTimeField(
        _("held until"), help_text=_("After this moment its free seats are open to everyone.")
    )

    class Meta:
        ordering = ["until", "id"]
        verbose_name = _("seats held for sectors")
        verbose_name_plural = _("seats held for sectors")

    def __str__(self) -> str:
        return _("%(seats)s seats until %(until)s") % {
            "seats": self.seats,
            "until": timezone.localtime(self.until).strftime("%Y-%m-%d %H:%M"),
        }

    def is_running(self, now=None) -> bool:
        return self.until > (now or timezone.now())
