"""Which idTechnique a holder's passage takes, and whether it is deposited again.

The CDC recognises a corrected passage by its idTechnique (docs/cdc.md): a passage rejected
with « Aucun titulaire ne correspond », then corrected (MARTINN → MARTIN, a birth day), must be
deposited again under the same id, and a passage already accepted must not be deposited again.
In order:
1. the sheet's « Identifiant technique » column, when filled (the file of rejected holders
   cqpilot gives back fills it);
2. the certifier's history: a passage with the same identity (same holder, certification and
   date of issue) keeps its id; a row that differs from a single rejected passage of the same
   certification and date of issue by at most two identity fields, names differing by a typo
   or two, is its correction and takes its id (the user is told);
3. else an id computed from the identity, always the same for the same row.
"""

from dataclasses import dataclass
from datetime import date

from cqpilot.dossiers.identity import normalise_name

ACCEPTE, REJETE, DEPOSE = "accepte", "rejete", "depose"
IDENTITY = ("nom", "prenom", "sexe", "annee", "mois", "jour", "lieu")


@dataclass
class Known:
    """A passage the certifier deposited before, and what the CDC said of it."""

    id_technique: str
    status: str
    titulaire: str
    code: str = ""
    date_delivrance: date | None = None
    identite: dict | None = None
    message: str = ""


class History:
    """The passages a certifier deposited before. This one knows none: the command line keeps
    no history, its stable ids come from the identity or the « Identifiant technique » column."""

    keeps_records = False

    def lookup(self, ids: set[str], keys: set[str]) -> tuple[dict[str, Known], dict[str, Known]]:
        """The known passages by idTechnique and by identity key."""
        return {}, {}

    def rejected(self, code: str, issued: date) -> list[Known]:
        """The rejected passages of a certification and date of issue."""
        return []


NO_HISTORY = History()


def identite(values: dict) -> dict:
    """What recognises a holder across a correction."""
    return {
        "nom": normalise_name(values.get("nom_naissance", "")),
        "prenom": normalise_name(values.get("prenom1", "")),
        "sexe": values.get("sexe", ""),
        "annee": values.get("annee_naissance"),
        "mois": values.get("mois_naissance"),
        "jour": values.get("jour_naissance"),
        "lieu": values.get("code_insee_naissance") or values.get("code_postal_naissance") or "",
    }


def corrected_passage(values: dict, candidates: list[Known], taken: set[str]) -> Known | None:
    """The single rejected passage this row corrects, if there is one."""
    if not candidates:
        return None
    mine = identite(values)
    found = [
        known
        for known in candidates
        if known.id_technique not in taken
        and known.identite
        and _is_correction(mine, known.identite)
    ]
    return found[0] if len(found) == 1 else None


def _is_correction(mine: dict, theirs: dict) -> bool:
    changed = [field for field in IDENTITY if mine.get(field) != theirs.get(field)]
    if not changed or len(changed) > 2:
        return False
    return all(
        _typo_distance(mine[field] or "", theirs.get(field) or "") <= 2
        for field in changed
        if field in ("nom", "prenom")
    )


def _typo_distance(a: str, b: str) -> int:
    """Levenshtein's distance, 3 as soon as it exceeds 2."""
    if abs(len(a) - len(b)) > 2:
        return 3
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, start=1):
        current = [i]
        for j, other in enumerate(b, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other))
            )
        if min(current) > 2:
            return 3
        previous = current
    return min(previous[-1], 3)
