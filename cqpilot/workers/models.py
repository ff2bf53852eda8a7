from django.db import models


class WorkerLease(models.Model):
    """A `cqpilot db_worker` alive: renewed every few seconds while it runs. A task still
    « RUNNING » under a worker whose lease has lapsed was abandoned (the process killed, its
    machine gone) and is taken up by the others (cqpilot.workers.leases)."""

    worker_id = models.CharField("identifiant du worker", max_length=64, primary_key=True)
    hostname = models.CharField("machine", max_length=255)
    pid = models.PositiveIntegerField("processus")
    started_at = models.DateTimeField("démarré le")
    seen_at = models.DateTimeField("dernier signe de vie")

    class Meta:
        verbose_name = "worker en service"
        verbose_name_plural = "workers en service"

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}, pid {self.pid})"
