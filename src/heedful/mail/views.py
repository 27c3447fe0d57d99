"""Download the raw source of an email, exactly as it was received or sent."""

from __future__ import annotations

import uuid

from django.http import Http404, HttpResponse

from heedful.mail.models import MailMessage
from heedful.tickets.access import get_ticket_for_user
from heedful.web.decorators import StaffRequest, staff_required


@staff_required
def raw_source(request: StaffRequest, ref: str, public_id: uuid.UUID) -> HttpResponse:
    ticket = get_ticket_for_user(request.user, ref)  # 404 for whoever may not see it
    mail = MailMessage.objects.filter(public_id=public_id, ticket=ticket).first()
    if mail is None:
        raise Http404("No such email on this ticket")
    response = HttpResponse(mail.raw_bytes, content_type="message/rfc822")
    # Always a download: the source is untrusted and must never render in our origin.
    response["Content-Disposition"] = f'attachment; filename="{ticket.ref}-{mail.public_id}.eml"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
