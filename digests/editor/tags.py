"""The tag admin: case-insensitive names, rename with a redirect, merge, and
the suggestions behind the tag field's autocomplete on the paper forms."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.text import slugify
from taggit.models import Tag

from .. import tags as tag_rules
from .mixins import BadInputIs400Mixin

SUGGESTIONS = 12


class TagAdminForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ("name", "slug")
        help_texts = {
            "name": "Tags are case-insensitive: “LLM” and “llm” are one tag.",
            "slug": (
                "The tag's address: /tags/this-slug/. Leave it unchanged to derive it from a "
                "new name. After a rename the old address redirects to the new one."
            ),
        }

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not slugify(name, allow_unicode=True):
            raise forms.ValidationError("A tag needs at least one letter or digit.")
        conflict = tag_rules.same_name(name, exclude_pk=self.instance.pk)
        if conflict is not None:
            raise forms.ValidationError(
                f"The tag “{conflict.name}” already exists. To join the two, select both in "
                "the tag list and use “Merge selected tags”."
            )
        return name

    def clean(self):
        cleaned = super().clean()
        name, slug = cleaned.get("name"), cleaned.get("slug")
        renamed = self.instance.pk and "name" in self.changed_data
        if name and (not slug or (renamed and "slug" not in self.changed_data)):
            cleaned["slug"] = slugify(name, allow_unicode=True)
        slug = cleaned.get("slug")
        if slug and Tag.objects.filter(slug=slug).exclude(pk=self.instance.pk).exists():
            self.add_error("slug", f"Another tag already has the address “{slug}”.")
        return cleaned

    def _post_clean(self):
        # Instance validation would compare the slug against the unchanged one.
        self.instance.name = self.cleaned_data.get("name", self.instance.name)
        self.instance.slug = self.cleaned_data.get("slug", self.instance.slug)


class MergeForm(forms.Form):
    target = forms.ModelChoiceField(
        queryset=Tag.objects.none(),
        widget=forms.RadioSelect,
        label="Keep this tag",
        error_messages={"required": "Choose the tag the others are merged into."},
    )


class TagAdmin(BadInputIs400Mixin, admin.ModelAdmin):
    form = TagAdminForm
    list_display = ("name", "slug", "paper_count")
    search_fields = ("name", "slug")
    ordering = ("name",)
    actions = ("merge_selected",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(papers=Count("digests_taggedpaper_items"))

    @admin.display(description="papers", ordering="papers")
    def paper_count(self, tag):
        return tag.papers

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        old = Tag.objects.get(pk=obj.pk)
        if (old.name, old.slug) == (obj.name, obj.slug):
            return None
        tag_rules.rename_tag(old, obj.name, obj.slug)
        if old.slug != obj.slug:
            messages.info(request, f"/tags/{form.initial.get('slug')}/ now redirects here.")
        return None

    @admin.action(description="Merge selected tags…", permissions=["change", "delete"])
    def merge_selected(self, request, queryset):
        chosen = list(queryset.order_by("name"))
        if len(chosen) < 2:
            self.message_user(request, "Select at least two tags to merge.", messages.WARNING)
            return None
        form = MergeForm(request.POST if "apply" in request.POST else None)
        form.fields["target"].queryset = queryset.order_by("name")
        if form.is_bound and form.is_valid():
            target = form.cleaned_data["target"]
            others = [tag for tag in chosen if tag.pk != target.pk]
            moved = tag_rules.merge_tags(others, target)
            names = ", ".join(f"“{tag.name}”" for tag in others)
            self.message_user(
                request,
                f"Merged {names} into “{target.name}”: {moved} paper(s) moved; "
                "the old tag addresses redirect to it.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(request.get_full_path())
        context = {
            **self.admin_site.each_context(request),
            "title": "Merge tags",
            "opts": self.model._meta,
            "form": form,
            "tags": chosen,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        response = TemplateResponse(request, "admin/digests/tag/merge.html", context)
        if form.is_bound:
            response.status_code = 400
        return response

    def get_urls(self):
        suggest = self.admin_site.admin_view(self.suggestions_view)
        return [path("suggest/", suggest, name="taggit_tag_suggest"), *super().get_urls()]

    def suggestions_view(self, request):
        """Names of existing tags that start with (then contain) what was typed."""
        if not (request.user.has_perm("digests.change_paper") or self.has_view_permission(request)):
            raise PermissionDenied
        typed = " ".join(request.GET.get("q", "").split())[:100]
        if not typed:
            return JsonResponse({"tags": []})
        starts = Tag.objects.filter(name__istartswith=typed).order_by("name")
        names = list(starts.values_list("name", flat=True)[:SUGGESTIONS])
        if len(names) < SUGGESTIONS:
            more = Tag.objects.filter(name__icontains=typed).exclude(name__in=names)
            rest = more.order_by("name").values_list("name", flat=True)
            names += list(rest[: SUGGESTIONS - len(names)])
        response = JsonResponse({"tags": names})
        response["Cache-Control"] = "private, no-store"
        return response


def suggestions_url():
    return reverse("admin:taggit_tag_suggest")
