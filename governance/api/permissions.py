from rest_framework.permissions import SAFE_METHODS, BasePermission

from ..scoping import CHANGE, VIEW, can, restrict


class ScopedPermission(BasePermission):
    """Signed in, and the role may read (or write) this model at all.

    Which objects: the view's queryset is already restricted (404 outside scope); for a
    write to an object the user can see but not change, 403.
    """

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        model = getattr(getattr(view, "queryset", None), "model", None)
        if model is None:
            return True
        if request.method not in SAFE_METHODS and getattr(view, "detail", False):
            # A write to one object: whether it exists for the user (404) and whether
            # they may change it (403) is decided on the object itself.
            return True
        return can(request.user, VIEW if request.method in SAFE_METHODS else CHANGE, model)

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS:
            return True
        return restrict(type(obj)._default_manager.filter(pk=obj.pk), request.user, CHANGE).exists()
