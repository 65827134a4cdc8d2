"""Background work of accounts: building a data export."""

from __future__ import annotations

from django_tasks import TaskContext, task

from community.background import retried_on_transient_errors


@task(takes_context=True)
def build_data_export(context: TaskContext, export_id: int, attempt: int = 1) -> str | None:
    from community.accounts.models import DataExport
    from community.accounts.personal_data import data_export_build

    def give_up(error: BaseException) -> None:
        DataExport.objects.filter(pk=export_id).update(state=DataExport.State.FAILED)

    with retried_on_transient_errors(context, attempt=attempt, args=(export_id,), on_give_up=give_up):
        export = data_export_build(export_id)
        return export.state if export else None
    return None
