"""Flask's cookie session is opened only for a request that carries the cookie."""

from flask import request, session

from scim_gateway.cookies import CookieSessions


def test_a_request_without_the_cookie_gets_an_empty_session_and_builds_no_serializer(
    sqlite_app, monkeypatch
):
    built = []
    original = CookieSessions.get_signing_serializer

    def counted(self, app):
        built.append(1)
        return original(self, app)

    monkeypatch.setattr(CookieSessions, "get_signing_serializer", counted)
    with sqlite_app.test_request_context("/scim/v2/ServiceProviderConfig"):
        opened = sqlite_app.session_interface.open_session(sqlite_app, request)
        assert dict(opened) == {} and not opened.modified
    assert built == []


def test_a_session_written_by_one_request_is_read_back_by_the_next(sqlite_app):
    @sqlite_app.get("/_test/write")
    def write():
        session["seen"] = "yes"
        return "written"

    @sqlite_app.get("/_test/read")
    def read():
        return session.get("seen", "nothing")

    client = sqlite_app.test_client()
    assert client.get("/_test/read").text == "nothing"
    assert client.get("/_test/write").text == "written"
    assert client.get("/_test/read").text == "yes"
    # A forged cookie is not read: Flask's signature check still runs.
    client.set_cookie(sqlite_app.config.get("SESSION_COOKIE_NAME", "session"), "forged.value")
    assert client.get("/_test/read").text == "nothing"
