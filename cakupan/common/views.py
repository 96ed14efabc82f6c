"""Error pages that need more than a template: the server error page shows the correlation id."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader

from cakupan.common import logs


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: the generic error page with the request's correlation id.

    The same id is on the log line Django writes for the error (``common.logs``), so an operator
    finds the traceback from what the user reports. Rendered without the request context: nothing
    that might fail again (the database, the session) is touched.
    """
    request_id = getattr(request, "correlation_id", None) or logs.correlation_id.get()
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({"correlation_id": request_id}))
