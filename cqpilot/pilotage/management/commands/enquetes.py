from django.core.management.base import BaseCommand
from django.utils import timezone

from cqpilot.core.models import Organisation
from cqpilot.delivrance.models import DocumentDelivre
from cqpilot.pilotage.enquetes import send_due


class Command(BaseCommand):
    help = (
        "Enquêtes d'insertion : ouvre celles qui sont dues (6 mois et 2 ans après la "
        "certification), envoie les courriels et les relances. À lancer chaque jour (cron)."
    )

    def handle(self, *args, **options) -> None:
        today = timezone.localdate()
        issuers = DocumentDelivre.objects.values("organisation")
        for organisation in Organisation.objects.filter(pk__in=issuers).order_by("nom"):
            self.stdout.write(f"{organisation} : {send_due(organisation, today)}.")
