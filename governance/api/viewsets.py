"""The base of every API viewset: querysets restricted in one place, writes through the
audited services, deletes soft, unmasked personal data audited."""

from rest_framework import mixins, viewsets

from .. import audit
from ..scoping import VIEW, restrict
from ..services import governed_create, governed_delete, governed_update
from .throttles import PersonalLookupThrottle


class ScopedQuerysetMixin:
    """``get_queryset`` starts from ``queryset`` and narrows it to the user's scope."""

    def get_queryset(self):
        queryset = super().get_queryset()
        return restrict(queryset, self.request.user, VIEW)

    def finalize_response(self, request, response, *args, **kwargs):
        unmasked = getattr(self, "_serializer_context", {}).get("unmasked")
        if unmasked and response.status_code < 400:
            # One trail row for the whole response (a list page is one row with its ids).
            by_model: dict[type, tuple[list, set]] = {}
            for instance, fields in unmasked.values():
                instances, all_fields = by_model.setdefault(type(instance), ([], set()))
                instances.append(instance)
                all_fields |= fields
            for instances, fields in by_model.values():
                audit.record_personal_views(actor=request.user, instances=instances, fields=tuple(fields))
        return super().finalize_response(request, response, *args, **kwargs)

    def get_throttles(self):
        throttles = super().get_throttles()
        if getattr(self, "personal_lookup_params", ()):
            throttles.append(PersonalLookupThrottle())
        return throttles

    def get_serializer_context(self):
        # Kept so that finalize_response can audit what the serializers unmasked.
        self._serializer_context = super().get_serializer_context()
        return self._serializer_context


class ScopedReadOnlyViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ScopedModelViewSet(
    ScopedQuerysetMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """CRUD where create/update/delete go through the governed services."""

    def perform_create(self, serializer):
        serializer.instance = governed_create(
            model=self.get_queryset().model, data=dict(serializer.validated_data), actor=self.request.user
        )

    def perform_update(self, serializer):
        serializer.instance = governed_update(
            instance=serializer.instance, data=dict(serializer.validated_data), actor=self.request.user
        )

    def perform_destroy(self, instance):
        governed_delete(instance=instance, actor=self.request.user)
