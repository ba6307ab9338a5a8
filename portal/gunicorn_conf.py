"""gunicorn settings the portal needs however it is started: ``manage.py serve`` passes this module, and
the README's production command does too (``gunicorn portal.wsgi:application -c python:portal.gunicorn_conf``).

gunicorn answers a request line longer than ``limit_request_line`` itself, with an HTML 400 the portal
never sees (its default, 4094 bytes, is short of URLs the API takes, a long ``filter[number]`` list for
one). The limit is raised to gunicorn's maximum, 8190 bytes, so URLs up to
``portal.middleware.MAX_URL_LENGTH`` (8000) are served and longer ones, up to the maximum, get the
portal's 414 in the caller's format. (gunicorn allows no finite limit above 8190; 0, "unlimited", would
let one request line grow without bound in a worker's memory.)
"""

limit_request_line = 8190

# Requests are collected whole by the worker's event loop before a thread serves them, so slow clients
# cannot tie up the threads (portal/webserver.py).
worker_class = "portal.webserver.BufferingThreadWorker"
