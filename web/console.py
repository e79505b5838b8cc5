"""The `reglament` console script: Flask's CLI bound to the app factory."""

import sys

from flask.cli import FlaskGroup

from web import create_app


def main() -> None:
    FlaskGroup(create_app=create_app)(prog_name="reglament", args=sys.argv[1:])
