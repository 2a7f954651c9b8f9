"""Open Badges 3.0 verifiable credentials: VC-JWTs signed with the issuer's Ed25519 key,
its keys published as JWKS and did:web, revocation and expiry in Bitstring Status Lists."""
