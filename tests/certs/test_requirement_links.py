"""A learner reaches every course and exam a level asks for from "my certifications"."""

from __future__ import annotations

def test_requirements_link_to_their_courses_and_exams(client, signed_in, app):
    signed_in("learner")
    page = client.get("/certifications")
    assert page.status_code == 200
    program = app.extensions["lms.content"].program()
    assert program is not None, "the test content needs a program"
    for level in program.certifications:
        for slug in level.courses:
            assert f'href="/courses/{slug}"' in page.text
        for quiz, _minimum in level.exams:
            assert f'href="/quizzes/{quiz}"' in page.text
