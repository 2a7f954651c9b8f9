"""SCIM bodies, PATCH operations and filters as plain values: no app, no database."""

from __future__ import annotations

import pytest

from lms.scim.resources import (Filter, Page, Person, ScimProblem, page_of, parse_filter,
                                patched, person_from)

BASE = Person("taro@acme.example", "Taro Yamada", "ext-1", True)


def ops(*operations):
    return {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": list(operations)}


@pytest.mark.parametrize("body,expected", [
    ({"userName": "A@B.example", "displayName": "山田 太郎"},
     Person("a@b.example", "山田 太郎")),
    ({"username": "a@b.example", "name": {"formatted": "Formatted"}},
     Person("a@b.example", "Formatted")),
    ({"userName": "a@b.example", "name": {"givenName": "Taro", "familyName": "Yamada"},
      "externalId": "00u1", "active": "False"},
     Person("a@b.example", "Taro Yamada", "00u1", False)),
    ({"userName": "taro", "emails": [{"value": "x@b.example"},
                                     {"value": "Taro@B.example", "primary": True}]},
     Person("taro@b.example", "Taro")),
    ({"userName": "a@b.example"}, Person("a@b.example", "a")),
])
def test_bodies_become_people(body, expected):
    assert person_from(body) == expected


def test_put_keeps_the_name_when_the_body_has_none():
    assert person_from({"userName": "taro@acme.example"}, BASE).name == "Taro Yamada"


@pytest.mark.parametrize("operations,expected", [
    ([{"op": "replace", "path": "active", "value": False}], {"active": False}),
    ([{"op": "Replace", "path": "active", "value": "False"}], {"active": False}),
    ([{"op": "replace", "value": {"active": False, "displayName": "T Y"}}],
     {"active": False, "name": "T Y"}),
    ([{"op": "replace", "path": "name.familyName", "value": "Sato"}], {"name": "Taro Sato"}),
    ([{"op": "replace", "path": 'emails[type eq "work"].value', "value": "New@acme.example"}],
     {"user_name": "new@acme.example"}),
    ([{"op": "remove", "path": "externalId"}], {"external_id": None}),
    ([{"op": "add", "path": "userName", "value": "Z@acme.example"},
      {"op": "replace", "path": "active", "value": True}], {"user_name": "z@acme.example"}),
])
def test_patch_operations(operations, expected):
    result = patched(BASE, ops(*operations))
    for field, value in expected.items():
        assert getattr(result, field) == value


@pytest.mark.parametrize("body", [
    None, [], {}, {"Operations": "x"}, ops({"op": "copy", "path": "active"}),
    ops({"op": "replace", "path": "roles", "value": "admin"}),
    ops({"op": "remove", "path": "active"}), ops({"op": "remove"}),
    ops({"op": "replace", "path": "active", "value": "yes"}),
    ops(*[{"op": "replace", "path": "active", "value": True}] * 51),
])
def test_bad_patches_are_refused(body):
    with pytest.raises(ScimProblem) as caught:
        patched(BASE, body)
    assert caught.value.status == 400 and caught.value.scim_type


@pytest.mark.parametrize("text,expected", [
    (None, None), ("", None),
    ('userName eq "a@b.example"', Filter("username", "a@b.example")),
    ('USERNAME EQ "a@b.example"', Filter("username", "a@b.example")),
    ('externalId eq "x\\"y"', Filter("externalid", 'x"y')),
    ('emails.value eq "a@b.example"', Filter("username", "a@b.example")),
])
def test_filters(text, expected):
    assert parse_filter(text) == expected


@pytest.mark.parametrize("text", ['userName sw "a"', 'name eq "x"', "userName eq a",
                                  'userName eq "a" and active eq true'])
def test_unsupported_filters(text):
    with pytest.raises(ScimProblem) as caught:
        parse_filter(text)
    assert caught.value.scim_type == "invalidFilter"


def test_paging():
    assert page_of(None, None) == Page(1, 100)
    assert page_of("0", "-5") == Page(1, 0)
    assert page_of("3", "1000") == Page(3, 200)
    with pytest.raises(ScimProblem):
        page_of("x", "1")
