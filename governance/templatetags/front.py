"""Template helpers of the web front: form fields as Bootstrap controls."""

from django import forms, template

register = template.Library()


@register.filter
def control(bound_field):
    """A form field's widget with Bootstrap's classes, marked invalid when it has errors
    and pointing at its error and help text for screen readers."""
    widget = bound_field.field.widget
    if isinstance(widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple):
        css = "form-check-input" if isinstance(widget, forms.CheckboxInput) else ""
    elif isinstance(widget, forms.Select):
        css = "form-select"
    else:
        css = "form-control"
    attrs = {}
    existing = widget.attrs.get("class", "")
    classes = " ".join(c for c in (existing, css, "is-invalid" if bound_field.errors else "") if c)
    if classes:
        attrs["class"] = classes
    described = [f"{bound_field.auto_id}_error"] if bound_field.errors else []
    if bound_field.help_text:
        described.append(f"{bound_field.auto_id}_help")
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return bound_field.as_widget(attrs=attrs)
