"""A server's password reaches the driver at connect time only: the engine's URL never
holds it, whether it was typed into the URL or comes from the keyring's lookup."""

from __future__ import annotations

from sqlalchemy import text

from desk_app.store.engine import make_engine
from tests.conftest import TeamLogin


def test_a_password_typed_in_the_url_is_kept_out_of_the_engine(team_login: TeamLogin
                                                               ) -> None:
    typed = team_login.url.replace(f"{team_login.role}@",
                                   f"{team_login.role}:{team_login.password}@")
    engine = make_engine(typed)
    try:
        assert engine.url.password is None
        assert team_login.password not in engine.url.render_as_string(hide_password=False)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT current_user")).scalar() == team_login.role
    finally:
        engine.dispose()


def test_the_lookup_is_asked_at_connect_time_with_the_bare_url(team_login: TeamLogin
                                                               ) -> None:
    asked: list[str] = []

    def lookup(url: str) -> str | None:
        asked.append(url)
        return team_login.password

    engine = make_engine(team_login.url, password=lookup)
    try:
        assert asked == []  # nothing read before a connection is made
        with engine.connect() as conn:
            assert conn.execute(text("SELECT current_user")).scalar() == team_login.role
        assert asked == [team_login.url]
    finally:
        engine.dispose()
