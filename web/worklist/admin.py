"""`/admin`: partners and users with their roles (admins only). The first admin comes from
`reglament create-user NAME --role admin`."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from identity.administration import AdminError, create_user, save_partner, update_user
from identity.models import Partner, User
from identity.roles import PARTNER_ROLES, ROLE_TITLES, ROLES
from web.extensions import db
from web.worklist.auth import require_sign_in, requires_role

blueprint = Blueprint("admin", __name__, url_prefix="/admin")
blueprint.before_request(require_sign_in)


@blueprint.before_request
@requires_role("admin")
def _admins_only() -> None:
    return None


def _page(template: str, **context):
    partners = list(db.session.scalars(select(Partner).order_by(Partner.name)))
    return render_template(template, partners=partners, roles=ROLES, role_titles=ROLE_TITLES,
                           partner_roles=PARTNER_ROLES, **context)


def _users() -> list[User]:
    """The УК's users first, then the partners' ones, each by name."""
    return list(db.session.scalars(select(User).order_by(User.partner_id.is_not(None), User.username)))


@blueprint.get("/users")
def users():
    return _page("worklist/admin_users.html", users=_users(), form={}, error=None)


@blueprint.post("/users")
def create():
    form = request.form
    try:
        user = create_user(db.session, form.get("username", ""), form.get("password", ""), form.getlist("roles"),
                           full_name=form.get("full_name", ""), email=form.get("email") or None,
                           partner_id=_partner_id(form.get("partner_id")))
    except AdminError as error:
        db.session.rollback()
        return _page("worklist/admin_users.html", users=_users(), form=form, error=error), 422
    flash(_("Пользователь %(name)s создан", name=user.username), "ok")
    return redirect(url_for("admin.users"))


@blueprint.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    if request.method == "GET":
        return _page("worklist/admin_user.html", user=user, error=None)
    form = request.form
    try:
        update_user(db.session, user_id, roles=form.getlist("roles"), full_name=form.get("full_name", ""),
                    email=form.get("email") or None, partner_id=_partner_id(form.get("partner_id")),
                    active=form.get("active") == "on", password=form.get("password") or None)
    except AdminError as error:
        db.session.rollback()
        return _page("worklist/admin_user.html", user=db.session.get(User, user_id), error=error), 422
    flash(_("Изменения сохранены"), "ok")
    return redirect(url_for("admin.users"))


@blueprint.route("/partners", methods=["GET", "POST"])
def partners():
    error = None
    if request.method == "POST":
        form = request.form
        try:
            save_partner(db.session, form.get("code", ""), form.get("name", ""), form.get("inn"),
                         _partner_id(form.get("id")))
            flash(_("Партнёр сохранён"), "ok")
            return redirect(url_for("admin.partners"))
        except AdminError as failure:
            db.session.rollback()
            error = failure
    return _page("worklist/admin_partners.html", error=error, form=request.form), 422 if error else 200


def _partner_id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None
