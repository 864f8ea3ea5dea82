"""Work the task queue: the newsletter's deliveries, confirmation mail, reply
notifications.

Runs ``resume_deliveries`` first (a worker that died took its task with it),
then the queue backend's own stock worker: ``db_worker`` for the embedded
database queue, ``rqworker`` with its scheduler on Redis (``REDIS_URL``). Run
one per core on as many machines as you like; each stops cleanly on SIGTERM
or Ctrl-C after the task in hand.
"""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Resume deliveries, then work the task queue until stopped."

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Seconds between looks at an empty database queue (default 1).",
        )

    def handle(self, *args, interval, verbosity, **options):
        call_command("resume_deliveries", verbosity=verbosity)
        if settings.TASKS_BACKEND == "rq":
            call_command(
                "rqworker", "default", with_scheduler=True, job_class="django_tasks_rq.Job"
            )
        else:
            call_command(
                "db_worker", reload=False, interval=interval, verbosity=verbosity,
                queue_name="default",
            )
