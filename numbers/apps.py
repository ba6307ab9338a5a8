from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NumbersConfig(AppConfig):
    # Imported as "numbers_app" (see portal/__init__.py); the label stays "numbers".
    name = "numbers_app"
    label = "numbers"
    verbose_name = _("Numbers")
