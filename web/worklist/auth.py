"""Sign-in and sign-out (Flask-Login over the platform's users, argon2), login throttling, the language switch.

The session is Flask's signed cookie (HttpOnly, SameSite=Lax, `Secure` when REGLAMENT_SECURE_COOKIES is on) and
expires after REGLAMENT_SESSION_HOURS. The user id in the session carries a stamp of the password hash, so changing a
password (or deactivating a user) ends that user's other sessions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, flash, g, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, login_user, logout_user
from sqlalchemy import bindparam, select

from engine.models import AuditEvent
from engine.scope import Scope
from identity.authentication import authenticate
from identity.models import User, UserRole
from identity.throttling import is_throttled, record_attempt
from web.extensions import db
from web.worklist.locale import LOCALES

blueprint = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"


@dataclass(frozen=True)
class SignedIn:
    """The Flask-Login view of a platform user (identity's models stay free of Flask): what a request needs of
    him, read in one statement on every request."""

    id: int
    username: str
    partner_id: int | None
    roles: frozenset[str]
    display_name: str
    stamp: str  # of the password hash: a changed password ends the other sessions

    is_authenticated = True
    is_anonymous = False
    is_active = True  # an inactive user is never loaded

    def get_id(self) -> str:
        return f"{self.id}:{self.stamp}"

    @property
    def scope(self) -> Scope:
        return Scope(username=self.username, partner_id=self.partner_id, groups=self.roles)


def _stamp(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


# The user and his roles, one row per role (a user without roles gives one row with a NULL role).
_SIGNED_IN = (select(User.id, User.username, User.partner_id, User.full_name, User.password_hash, UserRole.role)
              .outerjoin(UserRole, UserRole.user_id == User.id)
              .where(User.id == bindparam("b_id"), User.active.is_(True)))


def _signed_in(user_id: int) -> SignedIn | None:
    """The active user `user_id` as a request sees him, or None."""
    rows = db.session.execute(_SIGNED_IN, {"b_id": user_id}).all()
    if not rows:
        return None
    first = rows[0]
    return SignedIn(first.id, first.username, first.partner_id, frozenset(r.role for r in rows if r.role),
                    first.full_name or first.username, _stamp(first.password_hash))


@login_manager.user_loader
def _load_user(user_id: str) -> SignedIn | None:
    ident, _sep, stamp = user_id.partition(":")
    signed_in = _signed_in(int(ident)) if ident.isdigit() else None
    return signed_in if signed_in is not None and signed_in.stamp == stamp else None


@login_manager.unauthorized_handler
def _unauthorized() -> Response:
    if _wants_json():
        return Response('{"error": "Требуется вход"}', status=401, mimetype="application/json")
    if request.headers.get("HX-Request"):
        return Response(status=401, headers={"HX-Redirect": url_for("auth.login")})
    flash(_("Войдите, чтобы продолжить: сеанс истёк или вход не выполнен"), "info")
    return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json" or request.path.endswith(".json")


def current_scope() -> Scope:
    """The scope of the signed-in user (the one partner-scoping mechanism of the engine)."""
    return current_user.scope


def require_sign_in() -> Response | None:
    """A `before_request` of every worklist blueprint."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def requires_role(*roles: str) -> Callable:
    """A view decorator: 403 unless the signed-in user has one of `roles`."""
    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.roles & set(roles):
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorate


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(url_for("inbox.index"))
        return render_template("worklist/login.html", next=request.args.get("next", ""))
    username = request.form.get("username", "").strip()[:80]
    password = request.form.get("password", "")
    address = request.remote_addr or "-"
    target = _safe_next(request.form.get("next"))
    if is_throttled(db.session, username, address):
        message = _("Слишком много неудачных попыток входа. Повторите через 15 минут.")
        return render_template("worklist/login.html", error=message, username=username, next=target), 429
    user = authenticate(db.session, username, password) if username and password else None
    record_attempt(db.session, username, address, user is not None)
    if user is None:
        db.session.commit()
        message = _("Неверное имя пользователя или пароль")
        return render_template("worklist/login.html", error=message, username=username, next=target), 401
    db.session.add(AuditEvent(kind="user_signed_in", actor=user.username, partner_id=user.partner_id,
                              detail={"address": address, "agent": request.user_agent.string[:200]}))
    db.session.commit()
    _fresh_session()  # nothing from before the sign-in survives it
    session.permanent = True
    login_user(_signed_in(user.id))
    return redirect(target or url_for("inbox.index"))


@blueprint.post("/logout")
def logout():
    if current_user.is_authenticated:
        db.session.add(AuditEvent(kind="user_signed_out", actor=current_user.username,
                                  partner_id=current_user.partner_id, detail={}))
        db.session.commit()
    logout_user()
    _fresh_session()
    flash(_("Вы вышли из системы"), "info")
    return redirect(url_for("auth.login"))


@blueprint.post("/locale")
def switch_locale():
    chosen = request.form.get("locale", "")
    if chosen in LOCALES:
        session["locale"] = chosen
    return redirect(_safe_next(request.form.get("next")) or url_for("inbox.index"))


def csrf_failed(error) -> tuple[Response | str, int]:
    """A POST without a valid CSRF token: refused with a Russian message, never executed."""
    message = _("Форма устарела или отправлена с другого сайта. Обновите страницу и повторите.")
    if _wants_json() or request.is_json:
        return jsonify(error=message), 400
    return render_template("worklist/error.html", message=message), 400


def _fresh_session() -> None:
    """Empty the session but keep the chosen language; the CSRF token cached for this request goes with it."""
    chosen_locale = session.get("locale")
    session.clear()
    g.pop("csrf_token", None)
    if chosen_locale:
        session["locale"] = chosen_locale


def _safe_next(target: str | None) -> str | None:
    """Only a path of this site (no scheme, no host, no `//`) may be a redirect target after sign-in."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target
