"""The survey page behind /s/<token>: GET shows the form, POST records the answer (once)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from app.db import db
from app.surveys.models import Rating
from app.surveys.operations import SurveyClosed, answer_on_web, web_survey
from app.tickets.links import gone, keep_private

bp = Blueprint("surveys", __name__)
bp.after_request(keep_private)

CHOICES = [
    (Rating.satisfied.value, "1 满意", "Satisfied"),
    (Rating.basically_satisfied.value, "2 基本满意", "Basically satisfied"),
    (Rating.unsatisfied.value, "3 不满意", "Unsatisfied"),
]


@bp.get("/s/<token>")
def survey_form(token: str) -> str | tuple[str, int]:
    survey = web_survey(db.session, token)
    if survey is None:
        return gone()
    category = survey.ticket.category
    return render_template(
        "public/survey.html",
        code=survey.ticket.code,
        category_zh=category.name_zh,
        category_en=category.name_en,
        choices=CHOICES,
    )


@bp.post("/s/<token>")
def survey_answer(token: str) -> str | tuple[str, int]:
    survey = web_survey(db.session, token)
    if survey is None:
        return gone()
    try:
        rating = Rating(request.form.get("rating", ""))
    except ValueError:
        abort(400, description="choose 1, 2 or 3")
    try:
        answer_on_web(db.session, survey, rating, request.form.get("comment", "")[:500])
    except SurveyClosed:  # another tap on the link came first
        return gone()
    db.session.commit()
    return render_template("public/done.html", zh="谢谢您的评价！", en="Thank you for your rating!")
