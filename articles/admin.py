import reversion
from django import forms
from django.contrib import admin
from django.db import models
from django.utils import timezone
from reversion.admin import VersionAdmin

from .models import (
    OUTSIDE_TEXT_FIELDS,
    Article,
    ArticleEvent,
    AuthorityRule,
    EscalationContact,
    EventKind,
    Product,
    RevisionMeta,
    Tag,
    announce,
    markdown_problems,
)
from .rendering import public_text


class AuthorityRuleInline(admin.TabularInline):
    model = AuthorityRule
    extra = 0


class ArticleAdminForm(forms.ModelForm):
    def clean(self):
        data = super().clean()
        # The Markdown limits hold here too (the instance still has the stored text).
        for name, problem in markdown_problems(data, current=self.instance if self.instance.pk else None).items():
            self.add_error(name, problem)
        return data


@admin.register(Article)
class ArticleAdmin(VersionAdmin):
    form = ArticleAdminForm
    # Superusers only in practice: the admin bypasses the KCS workflow (it still versions).
    list_display = ("title", "product", "state", "audience", "governance", "owner", "version", "updated_at")
    list_filter = ("state", "audience", "governance", "product")
    search_fields = ("title", "slug")
    raw_id_fields = ("owner", "created_by")
    filter_horizontal = ("tags",)
    inlines = [AuthorityRuleInline]
    readonly_fields = ("version", "reuse_count", "created_at", "updated_at")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request, obj, form, change):
        # The admin bypasses the workflow operations but not the record: the change is a
        # version (VersionAdmin opens the revision) with its number, and workflow changes
        # are logged like any other.
        before = Article.objects.filter(pk=obj.pk).values("state", "audience", "governance").first() if change else None
        obj.version = obj.version + 1 if change else 1
        obj.updated_at = timezone.now()
        if not change:
            obj.created_by = obj.created_by if obj.created_by_id else request.user
        obj._rules_before = obj.rule_dicts() if change else []
        super().save_model(request, obj, form, change)
        reversion.add_meta(RevisionMeta, material=True, article_version=obj.version)
        note = "Changed in the admin"
        fields = sorted(set(form.changed_data) - {"version"})
        if before is None:
            obj._change = obj._record(request.user, EventKind.CREATED, to_value=obj.state, note=note, material=True)
            return
        outside = any(
            public_text(form.initial.get(name) or "") != public_text(form.cleaned_data.get(name) or "")
            for name in OUTSIDE_TEXT_FIELDS
            if name in fields
        )
        obj._change = obj._record(
            request.user, EventKind.EDITED, note=note, material=True, changed_fields=fields, outside_changed=outside
        )
        for name, kind in (("state", EventKind.STATE), ("audience", EventKind.AUDIENCE), ("governance", EventKind.GOVERNANCE)):
            if before[name] != getattr(obj, name):
                obj._record(request.user, kind, from_value=before[name], to_value=getattr(obj, name), note=note)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The rules are inline rows, saved after the article: only now is it known whether they changed.
        record = form.instance._change
        if form.instance.rule_dicts() != form.instance._rules_before:
            record.rules_changed = True
            record.changed_fields = [*record.changed_fields, "rules"]
            record.save(update_fields=["rules_changed", "changed_fields"])
        announce(record)


@admin.register(EscalationContact)
class EscalationContactAdmin(VersionAdmin):
    list_display = ("team", "channel", "hours", "response_time")
    search_fields = ("team", "channel")


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


admin.site.register(Tag)


@admin.register(ArticleEvent)
class ArticleEventAdmin(admin.ModelAdmin):
    list_display = ("article", "kind", "from_value", "to_value", "actor", "at")
    list_filter = ("kind",)
    raw_id_fields = ("article", "actor")

    def has_change_permission(self, request, obj=None):
        return False  # the record of who did what is never rewritten
