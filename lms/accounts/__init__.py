"""Getting in without an admin: forgotten passwords and invitations."""
