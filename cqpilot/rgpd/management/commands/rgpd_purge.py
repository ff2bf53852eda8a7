from django.core.management.base import BaseCommand
from django.utils import timezone

from cqpilot.rgpd.purge import CATEGORIES, certifiers, plan, purge


class Command(BaseCommand):
    help = (
        "Données personnelles : anonymise, supprime et efface ce dont la durée de conservation "
        "est écoulée, certificateur par certificateur (registre, PV signés et statistiques "
        "conservés). À lancer chaque jour ; --dry-run liste ce qui serait purgé sans rien "
        "modifier."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Liste ce qui serait purgé (nombres et numéros de dossiers), sans rien modifier.",
        )

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        today = timezone.localdate()
        for organisation in certifiers():
            if dry_run:
                due = plan(organisation, today)
                self.stdout.write(f"{organisation} — serait purgé :")
                for key, label in CATEGORIES.items():
                    self.stdout.write(f"  {label} : {due.counts[key]}")
                if due.dossiers_des_candidats:
                    self.stdout.write(f"    dossiers n° {_refs(due.dossiers_des_candidats)}")
                if due.dossiers_des_pieces:
                    self.stdout.write(
                        f"    pièces des dossiers n° {_refs(due.dossiers_des_pieces)}"
                    )
                continue
            run = purge(organisation, today)
            summary = ", ".join(f"{label} : {run.counts[key]}" for key, label in CATEGORIES.items())
            self.stdout.write(f"{organisation} — {summary}.")


def _refs(pks: list[int], shown: int = 50) -> str:
    text = ", ".join(str(pk) for pk in pks[:shown])
    return text + (f" … (+{len(pks) - shown})" if len(pks) > shown else "")
