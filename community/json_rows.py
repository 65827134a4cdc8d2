"""A few rows of another table as one column of a query: a scalar subquery aggregating them into a
JSON array (SQLite ``JSON_GROUP_ARRAY``, PostgreSQL ``JSONB_AGG``), turned back into model
instances. For short per-row lists a page would otherwise read with a query of their own (a
review's photos, the viewer's votes on a product's reviews).
"""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any

from django.db import connection, models
from django.db.models import Aggregate, JSONField, QuerySet, Subquery
from django.db.models.functions import JSONObject
from django.utils import timezone


class JSONArrayAgg(Aggregate):
    """The aggregated values as a JSON array (order not guaranteed: sort the instances)."""

    function = "JSON_GROUP_ARRAY"
    output_field = JSONField()

    def as_postgresql(self, compiler, connection, **extra_context):
        # JSONB: Django reads jsonb as text and decodes it (JSONField); json would come decoded.
        return super().as_sql(compiler, connection, function="JSONB_AGG", **extra_context)


def rows(queryset: QuerySet, key: str, fields: tuple[str, ...] | None = None) -> Subquery:
    """``queryset``'s rows for each ``key`` (it must be filtered by ``OuterRef`` on it) as a JSON
    array of objects holding every concrete field, or only ``fields`` (attnames; the others are
    None in the :func:`instances`): one scalar subquery (NULL when none)."""
    names = fields or [field.attname for field in queryset.model._meta.concrete_fields]
    fields = {name: name for name in names}
    aggregated = queryset.order_by().values(key).annotate(rows=JSONArrayAgg(JSONObject(**fields))).values("rows")
    return Subquery(aggregated[:1], output_field=JSONField())


def instances(model: type[models.Model], items: list[dict[str, Any]] | None) -> list[models.Model]:
    """The model instances :func:`rows` read (values converted as the fields do; datetimes that
    SQLite keeps naive are UTC)."""
    return [instance(model, item) for item in items or ()]


def instance(model: type[models.Model], item: dict[str, Any]) -> models.Model:
    """One row of ``model`` read as a JSON object (``JSONObject`` of its attnames; missing ones are
    None). SQLite puts a JSON column's value in the object as its text: decoded here."""
    values = {}
    for field in model._meta.concrete_fields:
        value = item.get(field.attname)
        if isinstance(field, models.JSONField) and isinstance(value, str) and connection.vendor == "sqlite":
            value = json.loads(value)
        value = field.to_python(value)
        if isinstance(field, models.DateTimeField) and value is not None and timezone.is_naive(value):
            value = value.replace(tzinfo=UTC)
        values[field.attname] = value
    found = model(**values)
    found._state.adding = False
    return found
