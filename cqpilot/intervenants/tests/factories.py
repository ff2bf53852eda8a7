import factory

from cqpilot.core.tests.factories import OrganisationFactory
from cqpilot.intervenants.models import College, Intervenant


class IntervenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Intervenant
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    nom = factory.Sequence(lambda n: f"Lefèvre{n}")
    prenom = "Dominique"
    college = College.EMPLOYEURS

    @factory.post_generation
    def organismes(self, create, extracted, **kwargs):
        if create and extracted:
            self.organismes.set(extracted)
