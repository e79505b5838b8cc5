"""The deploy-time lint rules of this installation: registered or declared-external topics, forms in forms/,
candidate groups that are platform roles."""

from __future__ import annotations

from flask import Flask

from engine.deployment import DeployRules
from engine.operators import registry
from identity.roles import is_role


def deploy_rules(app: Flask) -> DeployRules:
    external = set(app.config["EXTERNAL_TOPICS"])
    forms_dir = app.config["FORMS_DIR"]
    return DeployRules(
        topic_known=lambda topic: topic in registry or topic in external,
        form_exists=lambda ref: (forms_dir / f"{ref}.form").is_file(),
        group_known=is_role,
    )
