"""gunicorn's settings (the Docker image and docker-compose.yml start it with `-c`)."""

bind = "0.0.0.0:8000"
workers = 3
accesslog = "-"
# The request line without its query string (%(U)s is the path only): search terms such as a
# patient's name or MRN in `?q=` or `?search=` stay out of the access log.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s'
