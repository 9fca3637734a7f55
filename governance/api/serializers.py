"""Serializer pieces shared by every app's API."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.relations import ManyRelatedField, RelatedField
from rest_framework.validators import UniqueTogetherValidator

from .. import crypto
from ..scoping import can_see_personal, restrict


class ScopedModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose related-object choices are limited to what the requesting
    user can see: a key outside scope is "does not exist", as everywhere else.

    Uniqueness across fields is left to the model's ``full_clean`` in the service, which
    reports it on the field it concerns (see GovernedModel.validate_constraints).
    """

    def get_validators(self):
        return [v for v in super().get_validators() if not isinstance(v, UniqueTogetherValidator)]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None:
            return
        for field in self.fields.values():
            target = field.child_relation if isinstance(field, ManyRelatedField) else field
            if isinstance(target, RelatedField) and getattr(target, "queryset", None) is not None:
                target.queryset = restrict(target.queryset, request.user)


class PersonalField(serializers.CharField):
    """Personal data (ID or phone number): written in full, read masked unless the user
    may see this town's personal data. Unmasked reads are collected for the audit trail."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("max_length", 32)
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        return instance

    def to_internal_value(self, data):
        # Full-width digits and spaces normalised before the validators and the digest.
        return crypto.normalise(super().to_internal_value(data))

    def to_representation(self, instance):
        value = getattr(instance, self.source)
        if not value:
            return ""
        request = self.context.get("request")
        if request is not None and can_see_personal(request.user, instance.town_id):
            self.context.setdefault("unmasked", {}).setdefault(id(instance), (instance, set()))[1].add(
                self.source
            )
            return value
        return crypto.mask(value)


class ChoiceDisplayField(serializers.CharField):
    """The translated label of a choices field, read-only, beside its value."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        return getattr(instance, f"get_{self.source}_display")()


MASKED_HELP = _("Masked unless you may see this town's personal data; each unmasked view is audited.")
