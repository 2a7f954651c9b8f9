"""SCIM 2.0 (RFC 7643/7644) at /scim/v2: a partner company's identity provider keeps its
people here with a bearer token scoped to that company."""
