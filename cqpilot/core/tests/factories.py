import factory

from cqpilot.core.models import Organisation, OrganisationKind, Role, RoleGrant, User


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    nom = factory.Sequence(lambda n: f"CPNE de la branche n°{n}")
    kind = OrganisationKind.BRANCHE


class OrganismeFormationFactory(OrganisationFactory):
    nom = factory.Sequence(lambda n: f"Organisme de formation n°{n}")
    kind = OrganisationKind.ORGANISME_FORMATION


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"utilisateur{n}")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Martin{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@exemple.fr")
    organisation = factory.SubFactory(OrganisationFactory)
    password = factory.PostGenerationMethodCall("set_password", "motdepasse-solide-2026")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            # get_or_create: transactional tests flush the rows the data migration created.
            self.roles.set([RoleGrant.objects.get_or_create(code=code)[0] for code in extracted])
        if create:
            self.save()


def gestionnaire(**kwargs) -> User:
    return UserFactory(roles=[Role.GESTIONNAIRE], **kwargs)


def administrateur(**kwargs) -> User:
    return UserFactory(roles=[Role.ADMINISTRATEUR], **kwargs)
