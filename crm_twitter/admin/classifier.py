"""Admin for the category classifier: trained versions, their figures, rollback; agents' labels."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from crm_twitter.admin.visibility import CaseVisibilityMixin
from crm_twitter.models import CategoryLabel, CategoryModel
from crm_twitter.services.categorisation import category_model_activate, model_in_force


def _pct(value) -> str:
    return f"{value:.1%}" if isinstance(value, (int, float)) else "—"


@admin.register(CategoryModel)
class CategoryModelAdmin(admin.ModelAdmin):
    list_display = ["version", "status", "trained_at", "examples", "desk_labels", "macro_f1", "baseline_f1", "note"]
    list_filter = ["status"]
    actions = ["activate", "back_to_shipped"]
    fields = [
        "version",
        "status",
        "backend",
        "trained_at",
        "training_seconds",
        "examples",
        "desk_labels",
        "promoted_at",
        "note",
        "sha256",
        "figures",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # versions are trained, never typed in

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[CategoryModel]:
        return super().get_queryset(request).defer("artifact")

    def changelist_view(self, request: HttpRequest, extra_context=None):
        try:
            in_force = model_in_force().version
        except Exception as exc:
            in_force = f"none ({exc})"
        extra_context = {**(extra_context or {}), "title": _("Category models — in force: %s") % in_force}
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("Version"), ordering="number")
    def version(self, obj: CategoryModel) -> str:
        return obj.version

    @admin.display(description=_("Macro-F1"))
    def macro_f1(self, obj: CategoryModel) -> str:
        return _pct((obj.evaluation or {}).get("macro_f1"))

    @admin.display(description=_("Model it replaced"))
    def baseline_f1(self, obj: CategoryModel) -> str:
        base = obj.baseline or {}
        return f"{base.get('version') or '—'} {_pct(base.get('macro_f1'))}"

    @admin.display(description=_("Figures on the held-apart data"))
    def figures(self, obj: CategoryModel) -> str:
        ev = obj.evaluation or {}
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (slug, _pct(s.get("precision")), _pct(s.get("recall")), _pct(s.get("f1")), s.get("support"))
                for slug, s in (ev.get("per_category") or {}).items()
            ),
        )
        langs = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (lang, _pct(s.get("accuracy")), _pct(s.get("coverage")), s.get("count"))
                for lang, s in (ev.get("per_language") or {}).items()
            ),
        )
        return format_html(
            "<p>macro-F1 {} · accuracy {} · suggestion for {}</p>"
            "<table><thead><tr><th>Category</th><th>Precision</th><th>Recall</th><th>F1</th><th>n</th></tr></thead>"
            "<tbody>{}</tbody></table>"
            "<table><thead><tr><th>Language</th><th>Accuracy</th><th>Coverage</th><th>n</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            _pct(ev.get("macro_f1")),
            _pct(ev.get("accuracy")),
            _pct(ev.get("coverage")),
            rows,
            langs,
        )

    @admin.action(description=_("Put the selected version in force (roll back or forward)"))
    def activate(self, request: HttpRequest, queryset: QuerySet[CategoryModel]) -> None:
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one version."), messages.ERROR)
            return
        record = queryset.get()
        category_model_activate(record=record)
        self.message_user(
            request,
            _("%(version)s is now in force; unconfirmed cases get new suggestions.") % {"version": record.version},
        )

    @admin.action(description=_("Go back to the model shipped with the app"))
    def back_to_shipped(self, request: HttpRequest, queryset: QuerySet[CategoryModel]) -> None:
        model = category_model_activate(record=None)
        self.message_user(request, _("%(version)s is now in force.") % {"version": model.version})


@admin.register(CategoryLabel)
class CategoryLabelAdmin(CaseVisibilityMixin, admin.ModelAdmin):
    """What customers wrote, per case: shown for the cases the user may see."""

    list_display = ["case", "category", "language", "labelled_by", "agreed_with_suggestion", "holdout", "updated_at"]
    list_filter = ["category", "holdout", "agreed_with_suggestion", "language"]
    search_fields = ["text", "case__reference"]
    list_select_related = ["case", "category", "labelled_by"]
    readonly_fields = ["case", "category", "text", "language", "labelled_by", "agreed_with_suggestion", "holdout"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # labels come from agents' choices on cases
