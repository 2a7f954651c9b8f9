"""The SCIM discovery documents (RFC 7644 §4): what this service provider supports."""

from __future__ import annotations

from lms.scim.resources import USER_SCHEMA

CONFIG_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"


def service_provider_config(base: str) -> dict:
    return {
        "schemas": [CONFIG_SCHEMA],
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": 200},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": False},
        "authenticationSchemes": [{
            "type": "oauthbearertoken", "name": "Bearer token", "primary": True,
            "description": "A token an administrator creates on the company's admin page.",
        }],
        "meta": {"resourceType": "ServiceProviderConfig",
                 "location": f"{base}/ServiceProviderConfig"},
    }


def resource_types(base: str) -> list[dict]:
    return [{
        "schemas": [RESOURCE_TYPE_SCHEMA], "id": "User", "name": "User", "endpoint": "/Users",
        "description": "A person of the partner company", "schema": USER_SCHEMA,
        "meta": {"resourceType": "ResourceType", "location": f"{base}/ResourceTypes/User"},
    }]


def _attribute(name: str, *, type_: str = "string", required: bool = False,
               mutability: str = "readWrite", uniqueness: str = "none",
               multi: bool = False, sub: list | None = None) -> dict:
    found = {"name": name, "type": type_, "multiValued": multi, "required": required,
             "caseExact": False, "mutability": mutability, "returned": "default",
             "uniqueness": uniqueness}
    if sub is not None:
        found["subAttributes"] = sub
    return found


def user_schema(base: str) -> dict:
    return {
        "schemas": [SCHEMA_SCHEMA], "id": USER_SCHEMA, "name": "User",
        "description": "A person of the partner company; userName is the sign-in address.",
        "attributes": [
            _attribute("userName", required=True, uniqueness="server"),
            _attribute("name", type_="complex", sub=[
                _attribute("formatted"), _attribute("givenName"), _attribute("familyName")]),
            _attribute("displayName"),
            _attribute("emails", type_="complex", multi=True, sub=[
                _attribute("value"), _attribute("type"),
                _attribute("primary", type_="boolean")]),
            _attribute("active", type_="boolean"),
        ],
        "meta": {"resourceType": "Schema", "location": f"{base}/Schemas/{USER_SCHEMA}"},
    }
