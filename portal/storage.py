"""Files only code may read: uploads kept under a folder of ``DIDFARM_VAR_DIR``, outside every static and
media URL, owner-only permissions. They are served, if at all, by views that check who is asking."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateFileStorage(FileSystemStorage):
    """A private folder named by a setting (``folder_setting``), read when used, so tests and deployments
    that change the setting need no new storage object. Subclasses name the setting; they are what models
    and migrations refer to."""

    folder_setting = ""

    def __init__(self):
        super().__init__(location=None, base_url=None, file_permissions_mode=0o600, directory_permissions_mode=0o700)

    @property
    def base_location(self):
        return str(getattr(settings, self.folder_setting))

    @property
    def location(self):
        return str(Path(self.base_location).resolve())

    def url(self, name):
        raise ValueError("Private files have no public URL; serve them through a view that checks who is asking.")
