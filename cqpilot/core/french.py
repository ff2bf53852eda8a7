"""French agreement for counts: 0 and 1 take the singular (« 0 candidat », « 1 membre »,
« 2 membres »), unlike English and Django's `pluralize`, for which 0 is plural."""


def is_plural(count: int | float) -> bool:
    return abs(count) >= 2


def accorde(count: int | float, singulier: str, pluriel: str | None = None) -> str:
    """`singulier` or `pluriel` (by default `singulier` + "s") agreed with `count`."""
    if not is_plural(count):
        return singulier
    return pluriel if pluriel is not None else singulier + "s"


def compte(count: int | float, singulier: str, pluriel: str | None = None) -> str:
    """The count followed by its agreed noun: compte(0, "candidat") == "0 candidat"."""
    return f"{count} {accorde(count, singulier, pluriel)}"


def selon_sexe(sexe: str, masculin: str, feminin: str | None = None) -> str:
    """`masculin` or `feminin` (by default `masculin` + "e") agreed with a person's recorded sex
    (« F » or « M »); both forms, « convoqué(e) », when it is not recorded."""
    feminin = feminin if feminin is not None else masculin + "e"
    if sexe == "F":
        return feminin
    if sexe == "M":
        return masculin
    if feminin.startswith(masculin):
        return f"{masculin}({feminin.removeprefix(masculin)})"
    return f"{masculin} ou {feminin}"
