from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import Organisation, User


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["nom", "kind", "siret"]
    list_filter = ["kind"]
    search_fields = ["nom", "siret"]


@admin.register(User)
class CqpilotUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("cqpilot", {"fields": ("organisation", "roles")}))
    list_display = ["username", "last_name", "first_name", "organisation", "is_active"]
    list_filter = ["organisation", "roles", "is_active"]
    filter_horizontal = ["roles", "groups", "user_permissions"]
