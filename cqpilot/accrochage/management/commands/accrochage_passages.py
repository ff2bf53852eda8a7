"""The passages to deposit of the documents issued or cancelled before cqpilot wrote them on
issuance and cancellation: run once after the upgrade; running it again changes nothing."""

from django.core.management.base import BaseCommand
from django.db import transaction

from cqpilot.accrochage.depots import ensure_passages
from cqpilot.core.french import compte
from cqpilot.core.models import Organisation
from cqpilot.delivrance.models import DocumentDelivre


class Command(BaseCommand):
    help = "Crée les passages à déposer des documents délivrés avant leur création automatique."

    def handle(self, *args, **options) -> None:
        created = 0
        issuers = DocumentDelivre.objects.values("organisation")
        for organisation in Organisation.objects.filter(pk__in=issuers):
            with transaction.atomic():
                created += ensure_passages(organisation)
        self.stdout.write(f"{compte(created, 'passage créé', 'passages créés')}.")
