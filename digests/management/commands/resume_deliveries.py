"""Ask the task queue again for every delivery that should be moving.

Run it when workers start (``make run`` does): a worker killed mid-task took
its task with it, and the queue backends don't run a lost task again. The send
log knows what is left, so asking twice sends nothing twice.
"""

from django.core.management.base import BaseCommand

from digests.newsletter.tasks import resume_all


class Command(BaseCommand):
    help = "Re-enqueue the tasks of every delivery that is sending or scheduled."

    def handle(self, *args, **options):
        asked = resume_all()
        if options["verbosity"]:
            self.stdout.write(f"Deliveries resumed: {asked}.")
