"""Views whose answers never set a cookie: the embed, the feed and the API."""

# The mark on the view function, read by trafficking_training.middleware.CookielessMiddleware.
SETS_NO_COOKIE = "sets_no_cookie"


def sets_no_cookie(view):
    """Mark a view whose answers never set a cookie, whatever cookies the request carries
    (CookielessMiddleware keeps that promise). On a class-based view, decorate dispatch."""
    setattr(view, SETS_NO_COOKIE, True)
    return view
