"""Django admin for regions: read only. Region master data changes only through ``cakupan regions``."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from cakupan.wilayah.models import Region, RegionDataset, RegionKind


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Region)
class RegionAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "kind", "level", "valid_from", "valid_to")
    list_filter = ("kind", "level")
    search_fields = ("^code", "name")
    show_full_result_count = False

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Region], search_term: str
    ) -> tuple[QuerySet[Region], bool]:
        """Autocomplete for a person's domicile offers only current desa and kelurahan."""
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if (
            request.GET.get("model_name") == "person"
            and request.GET.get("field_name") == "domicile"
        ):
            queryset = queryset.filter(
                kind__in=[RegionKind.DESA, RegionKind.KELURAHAN], valid_to__isnull=True
            )
        return queryset, may_have_duplicates


@admin.register(RegionDataset)
class RegionDatasetAdmin(ReadOnlyAdmin):
    list_display = ("source", "valid_from", "loaded_at")
