"""Where env.py gets its URL from: the application's settings, a Flask app context, or only
config.attributes["connection"]; each configured once in [tool.migcheck] (docs/recipes.md)."""

from __future__ import annotations

import os

from histkit import COLORS_WITH_NAME, TABLE, codes, migcheck, statuses, write

from migcheck.cli import main

PRODUCTS = (
    'op.create_table("products", sa.Column("id", sa.Integer, primary_key=True),'
    ' sa.Column("name", sa.Text, nullable=False))'
)
SHOP = {
    "shop/__init__.py": "",
    # the application reads its own variable at import time, and fails without it
    "shop/settings.py": """
        import os

        DATABASE_URL = os.environ["SHOP_DATABASE_URL"]
        """,
    "shop/models.py": """
        import sqlalchemy as sa

        from shop import settings  # noqa: F401  (importing the models needs the settings)

        metadata = sa.MetaData()
        products = sa.Table(
            "products", metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("name", sa.Text, nullable=False),
        )
        """,
}
SHOP_ENV = """
from alembic import context
from sqlalchemy import create_engine, pool

from shop.models import metadata
from shop.settings import DATABASE_URL

engine = create_engine(DATABASE_URL, poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()
"""


def test_app_settings_reading_their_own_variable_at_import(history, server) -> None:
    # The revision imports the application too: loading it already needs the variable.
    revision = (
        '"""products"""\nfrom alembic import op\nimport sqlalchemy as sa\n'
        "from shop.models import products\n\n"
        'revision = "a1"\ndown_revision = None\nbranch_labels = None\ndepends_on = None\n\n\n'
        f"def upgrade():\n    {PRODUCTS}\n\n\n"
        "def downgrade():\n    op.drop_table(products.name)\n"
    )
    root = history(env=SHOP_ENV, a1=revision)
    write(root, {**SHOP, "pyproject.toml": '[tool.migcheck]\nurl_env = ["SHOP_DATABASE_URL"]\n'})
    assert "SHOP_DATABASE_URL" not in os.environ
    code, result = migcheck(server, "run", root)
    assert statuses(result) == [("a1", "ok")]
    assert (code, codes(result.findings)) == (0, [])
    assert result.revisions[0].upgrade.statements[-1].line == 13  # the create_table
    assert "SHOP_DATABASE_URL" not in os.environ


FLASK_LIKE_APP = """
from contextlib import contextmanager

_contexts = []


class _CurrentApp:
    def __getattr__(self, name):
        if not _contexts:
            raise RuntimeError("Working outside of application context.")
        return getattr(_contexts[-1], name)


current_app = _CurrentApp()


class App:
    def __init__(self, config):
        self.config = {"SQLALCHEMY_DATABASE_URI": "sqlite://", **config}

    @contextmanager
    def app_context(self):
        _contexts.append(self)
        try:
            yield
        finally:
            _contexts.pop()


def create_app(config=None):
    return App(config or {})
"""
# The shape of Flask-Migrate's env.py: the URL comes from the app inside its app context.
FLASK_ENV = """
from alembic import context
from sqlalchemy import create_engine, pool

from webapp import current_app

config = context.config
url = current_app.config["SQLALCHEMY_DATABASE_URI"]
config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
engine = create_engine(url, poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
"""
HOOKS = """
from webapp import create_app


def flask_app_context(url):
    return create_app({"SQLALCHEMY_DATABASE_URI": url}).app_context()


def broken(url):
    raise RuntimeError("no app factory configured")
"""


def test_flask_app_context_through_url_hook(history, server) -> None:
    root = history(
        env=FLASK_ENV,
        a1=(None, TABLE.format("colors"), 'op.drop_table("colors")'),
        b2=(
            "a1",
            'op.execute("INSERT INTO colors VALUES (1) ON CONFLICT DO NOTHING")',
            'op.execute("DELETE FROM colors WHERE id = 1")',
        ),
    )
    write(
        root,
        {
            "webapp/__init__.py": FLASK_LIKE_APP,
            "migcheck_hooks.py": HOOKS,
            "pyproject.toml": '[tool.migcheck]\nurl_hook = "migcheck_hooks:flask_app_context"\n',
        },
    )
    code, result = migcheck(server, "run", root)
    assert statuses(result) == [("a1", "ok"), ("b2", "ok")]
    assert (code, codes(result.findings)) == (0, [])


def test_failing_url_hook_is_one_line(history, server, capsys) -> None:
    root = history(env=FLASK_ENV, a1=(None, TABLE.format("colors")))
    write(
        root,
        {
            "webapp/__init__.py": FLASK_LIKE_APP,
            "migcheck_hooks.py": HOOKS,
            "pyproject.toml": '[tool.migcheck]\nurl_hook = "migcheck_hooks:broken"\n',
        },
    )
    url = server.url("postgres", "default").render_as_string(hide_password=False)
    assert main(["replay", str(root), "--server", url]) == 2
    err = capsys.readouterr().err
    assert (
        "migcheck: error: url_hook migcheck_hooks:broken failed: RuntimeError: no app factory "
        "configured"
    ) in err
    assert "Traceback" not in err


def test_env_py_using_only_the_handed_connection(history, server) -> None:
    env = """
    from alembic import context

    config = context.config
    context.configure(connection=config.attributes["connection"])
    with context.begin_transaction():
        context.run_migrations()
    """
    root = history(
        env=env,
        **COLORS_WITH_NAME,
    )
    code, result = migcheck(server, "run", root)  # zero configuration
    assert statuses(result) == [("a1", "ok"), ("b2", "ok")]
    assert (code, codes(result.findings)) == (0, [])
