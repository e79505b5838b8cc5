"""Entry point of the Celery worker processes: `celery -A web.celery_worker worker`.
(The Flask app must not be called `app` here: Celery would take it for its own.)"""

from web import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]
