"""Words for the codes services raise, shown to people in their language."""

from __future__ import annotations

from lms.i18n import lazy_gettext as _l

MESSAGES = {
    "too_short": _l("Use at least 8 characters."),
    "too_long": _l("Use at most 256 characters."),
    "too_common": _l("This password is too common. Choose another."),
    "wrong_password": _l("The current password is not correct."),
    "invalid_email": _l("Enter a valid email address."),
    "email_too_long": _l("An email address has at most 254 characters."),
    "email_bad_characters": _l("The email address contains a character that is not allowed."),
    "name_required": _l("Enter a name."),
    "name_too_long": _l("Use at most 200 characters for the name."),
    "name_invalid": _l("A name cannot contain control characters such as line breaks."),
    "invalid_role": _l("Choose a valid role."),
    "unknown_organization": _l("No such partner company."),
    "learner_needs_organization": _l("A learner belongs to a partner company."),
    "email_taken": _l("A user with this email address already exists."),
    "invalid_slug": _l("Use lowercase letters, digits and hyphens."),
    "slug_taken": _l("This identifier is already used."),
    "unknown_user": _l("No such user."),
    "prerequisites_unmet": _l("Complete the prerequisite courses first."),
    "not_found": _l("Not found."),
    "cannot_demote_self": _l("You cannot remove your own administrator rights or deactivate yourself."),
    "post_empty": _l("Write something before posting."),
    "post_too_long": _l("A post can be at most 10,000 characters."),
    "post_flood": _l("You have posted a lot in a short time. Please wait a few minutes."),
    "only_questions": _l("Only a question can be pinned."),
    "only_answers": _l("Only an answer can be accepted."),
    "unknown_action": _l("Unknown action."),
    "link_unknown": _l("This link is not known. Check that you copied all of it."),
    "link_used": _l("This link has already been used or was withdrawn."),
    "link_expired": _l("This link has expired."),
    "invalid_domain": _l("Enter e-mail domains such as example.co.jp, separated by commas."),
    "domain_taken": _l("This e-mail domain belongs to another company."),
    "token_name_too_long": _l("Use at most 100 characters for the token's name."),
    "form_expired": _l("This form is out of date. Reload the page and try again."),
    "unknown_token": _l("No such token."),
    "cannot_deactivate_own_company": _l("You cannot deactivate your own company."),
    "organization_deactivated": _l("This partner company is deactivated."),
    "invite_not_allowed": _l("You may not invite to this company or role."),
    "sso_no_provider": _l("No company sign-in is set up for this address. Sign in with your "
                          "password instead."),
    "sso_no_email": _l("Your company account did not give an email address."),
    "sso_email_unverified": _l("Your company account's email address is not verified. Ask "
                               "your administrator."),
    "sso_foreign_domain": _l("This sign-in service may not sign in addresses of that domain. "
                             "Use your own company's sign-in."),
    "sso_account_inactive": _l("This account has been deactivated."),
    "sso_no_company": _l("No partner company owns this address's domain, so no account can be "
                         "made for it."),
    "sso_provider_unreachable": _l("The sign-in service cannot be reached. Try again later."),
    "sso_state_mismatch": _l("This sign-in did not start here or has already been used. "
                             "Start again."),
    "sso_denied": _l("The sign-in was cancelled or refused by your company's sign-in service."),
    "sso_token_failed": _l("The sign-in service did not complete the sign-in. Try again."),
    "sso_bad_token": _l("The sign-in service's answer could not be verified."),
    "webhook_url_invalid": _l("Enter a valid http:// or https:// URL."),
    "webhook_url_scheme": _l("Only http:// and https:// URLs can receive webhooks."),
    "webhook_url_unresolved": _l("The URL's host name cannot be resolved."),
    "webhook_url_private": _l("The URL points to a loopback or private address, which may "
                              "not receive webhooks."),
    "webhook_events_required": _l("Choose at least one event."),
    "webhook_event_unknown": _l("Unknown event."),
    "webhook_secret_invalid": _l("A secret is whsec_ followed by 24 to 64 bytes in base64."),
    "unknown_webhook": _l("No such webhook endpoint."),
    "unknown_webhook_message": _l("No such webhook delivery."),
}


def message_for(code: str) -> str:
    return str(MESSAGES.get(code, code))


def words_for(message: str) -> str:
    """A service error's message in words: services raise some as codes ("csat_invalid")
    that the pages put into words; the API and the command line do the same."""
    from lms.certs.forms import MESSAGES as CERT_MESSAGES

    words = MESSAGES.get(message) or CERT_MESSAGES.get(message)
    return str(words) if words is not None else message
