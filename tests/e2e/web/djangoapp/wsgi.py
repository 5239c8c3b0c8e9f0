# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
"""WSGI entry of the Django test app, wrapped in TruthMiddleware."""
import os
import sys

WEB = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if WEB not in sys.path:
    sys.path.insert(0, WEB)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djangoapp.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

from truth import TruthMiddleware  # noqa: E402

application = TruthMiddleware(get_wsgi_application())
app = application
