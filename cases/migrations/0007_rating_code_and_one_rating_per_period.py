"""The reporter's rating code (a nonce per case; see cases.models.rating_code), one
rating per solved period, and the index of the public board's count.

Existing cases share the nonce drawn here; their codes still differ, since the tracking
number is part of what is digested. Existing ratings are tied to the solved period they
followed; where one period has several (anyone could rate, any number of times), the
first counts and the others keep no period.
"""

import cases.models
import django.db.models.deletion
from django.db import migrations, models


BACKFILL = [
    # Each rating: the last period ended by a solution at or before it.
    """
    UPDATE cases_rating SET period_id = (
        SELECT p.id FROM cases_caseperiod p
        WHERE p.case_id = cases_rating.case_id
          AND p.outcome IN ('solve', 'solve_on_spot')
          AND p.ended_at IS NOT NULL AND p.ended_at <= cases_rating.at
        ORDER BY p.ended_at DESC, p.id DESC
        LIMIT 1
    )
    """,
    # Of several ratings of one period, the first counts.
    """
    UPDATE cases_rating SET period_id = NULL
    WHERE period_id IS NOT NULL AND id > (
        SELECT MIN(r.id) FROM cases_rating r
        WHERE r.case_id = cases_rating.case_id AND r.period_id = cases_rating.period_id
    )
    """,
]


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_events_and_ratings_written_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="rating_nonce",
            field=models.CharField(default=cases.models.new_rating_nonce, editable=False, max_length=16),
        ),
        migrations.AddField(
            model_name="rating",
            name="period",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="ratings",
                to="cases.caseperiod",
            ),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="case",
            name="address",
            field=models.CharField(
                blank=True,
                max_length=200,
                validators=[cases.models.validate_no_control_characters],
                verbose_name="address",
            ),
        ),
        migrations.AlterField(
            model_name="case",
            name="description",
            field=models.TextField(
                max_length=2000,
                validators=[cases.models.validate_no_control_characters],
                verbose_name="description",
            ),
        ),
        migrations.AlterField(
            model_name="case",
            name="reporter_name",
            field=models.CharField(
                blank=True,
                max_length=32,
                validators=[cases.models.validate_no_control_characters],
                verbose_name="reporter",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True)),
                fields=["town", "state", "closed_at"],
                name="case_board_by_town",
            ),
        ),
        migrations.AddConstraint(
            model_name="rating",
            constraint=models.UniqueConstraint(
                fields=("case", "period"),
                name="rating_one_per_solved_period",
                violation_error_message="This result has already been rated.",
            ),
        ),
    ]
