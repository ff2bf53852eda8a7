from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

PAGE_SIZE = 50


class Pages(PageNumberPagination):
    """50 rows per page (`?page=2`), up to 200 with `page_size`. Page numbers are bounded: an
    offset beyond what the database counts in is a request error, not a server one."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000, description="Numéro de page (à partir de 1).")
        page_size: int | None = Field(None, ge=1, le=200, description="Lignes par page (50).")

    def __init__(self, **kwargs) -> None:
        super().__init__(page_size=PAGE_SIZE, max_page_size=200, **kwargs)
