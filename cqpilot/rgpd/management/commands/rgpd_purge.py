import logging

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cqpilot.core.french import compte
from cqpilot.core.models import Organisation
from cqpilot.rgpd.purge import CATEGORIES, certifiers, plan, purge, scrub_import_reports

logger = logging.getLogger("cqpilot.rgpd")


class Command(BaseCommand):
    help = (
        "Données personnelles : anonymise, supprime et efface ce dont la durée de conservation "
        "est écoulée, certificateur par certificateur (registre, PV signés et statistiques "
        "conservés). À lancer chaque jour ; --dry-run liste ce qui serait purgé sans rien "
        "modifier. Un certificateur en échec n'arrête pas les autres ; la commande finit alors "
        "en erreur."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Liste ce qui serait purgé (nombres et numéros de dossiers), sans rien modifier.",
        )

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        today = timezone.localdate()
        failed = []
        for organisation in certifiers():
            try:
                if dry_run:
                    self._show_plan(organisation, today)
                else:
                    run = purge(organisation, today)  # one transaction per certifier
                    summary = ", ".join(
                        f"{label} : {run.counts[key]}" for key, label in CATEGORIES.items()
                    )
                    self.stdout.write(f"{organisation} — {summary}.")
            except Exception as error:  # one certifier's fault stops no other
                # The class only: an error's text may quote a candidate's data.
                logger.error(
                    "RGPD purge failed for certifier %s (%s): %s",
                    organisation.pk,
                    organisation,
                    type(error).__name__,
                )
                self.stderr.write(f"{organisation} — échec de la purge ({type(error).__name__}).")
                failed.append(organisation)
        if not dry_run:
            try:
                scrubbed = scrub_import_reports(today)
                self.stdout.write(
                    f"Imports des organismes de formation — rapports vidés : {scrubbed}."
                )
            except Exception as error:  # logged like a certifier's, without the reports' text
                logger.error("Import reports scrub failed: %s", type(error).__name__)
                failed.append("rapports d'import des organismes de formation")
        if failed:
            raise CommandError(
                "Purge en échec pour "
                f"{compte(len(failed), 'certificateur ou étape', 'certificateurs ou étapes')} : "
                f"{', '.join(str(o) for o in failed)} ; les autres ont été traités."
            )

    def _show_plan(self, organisation: Organisation, today) -> None:
        due = plan(organisation, today)
        self.stdout.write(f"{organisation} — serait purgé :")
        for key, label in CATEGORIES.items():
            self.stdout.write(f"  {label} : {due.counts[key]}")
        if due.dossiers_des_candidats:
            self.stdout.write(f"    dossiers n° {_refs(due.dossiers_des_candidats)}")
        if due.dossiers_des_pieces:
            self.stdout.write(f"    pièces des dossiers n° {_refs(due.dossiers_des_pieces)}")


def _refs(pks: list[int], shown: int = 50) -> str:
    text = ", ".join(str(pk) for pk in pks[:shown])
    return text + (f" … (+{len(pks) - shown})" if len(pks) > shown else "")
