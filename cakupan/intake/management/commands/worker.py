"""``cakupan worker``: run background jobs (file checks and commits) from the database queue."""

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand


class Command(DatabaseWorkerCommand):
    help = "Jalankan pekerja latar belakang (pemeriksaan dan penyimpanan berkas impor)."
