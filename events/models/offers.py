"""Offers: near the day, a freed seat is offered to the next person waiting, for a while."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .catalog import TrainingSession
from .registrations import Registration
from .seat_holds import SeatHold


class Offer(models.Model):
    """A seat offered to one waiting registrant until a deadline.

    A model of its own rather than a registration status: while an offer runs the
    person is still on the waiting list (their place, the waiting list's length on
    public pages and every count of waiting people stay as they are), and an offer
    carries what a status cannot: its deadline, its outcome and the hold whose seat
    it is. A running offer counts as a taken seat (events/selectors/seat_holds.py).
    One offer per registration: one that is declined or lapses ends that place on the
    waiting list, and one that is claimed confirms it, so each of its emails is sent
    once (the outbox is unique per registration and kind).
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLAIMED = "claimed", _("Claimed")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired")

    registration = models.OneToOneField(
        Registration, verbose_name=_("registration"), on_delete=models.CASCADE, related_name="offer"
    )
    # No index of its own: the (session, status, expires_at) index leads with it.
    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="offers",
        db_index=False,
    )
    # The hold whose seat is offered; empty for a general seat.
    hold = models.ForeignKey(
        SeatHold,
        verbose_name=_("held seat"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="offers",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    offered_at = models.DateTimeField(_("offered at"), default=timezone.now)
    expires_at = models.DateTimeField(_("claim by"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["offered_at", "id"]
        verbose_name = _("seat offer")
        verbose_name_plural = _("seat offers")
        indexes = [
            # Running offers of a session (seat counts), and the expiry scan's lapsed ones.
            models.Index(fields=["session", "status", "expires_at"]),
            models.Index(
                fields=["expires_at"], condition=Q(status="open"), name="open_offer_expiry"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.registration} ({self.get_status_display()})"

    def is_running(self, now=None) -> bool:
        return self.status == self.Status.OPEN and self.expires_at > (now or timezone.now())
