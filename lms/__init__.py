"""Partner Academy: partner onboarding and certification."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from lms.config import REPO_ROOT, load_config


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=os.environ.get("LMS_INSTANCE_PATH") or str(REPO_ROOT / "instance"),
        template_folder=str(REPO_ROOT / "templates"),
        static_folder=str(REPO_ROOT / "static"),
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(load_config(app.instance_path, test_config))
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # The client's address (throttling, the audit log) and scheme as the trusted proxies
        # saw them; without proxies configured, these headers are anyone's to forge.
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    app.json.ensure_ascii = False  # Japanese stays readable in API responses
    if app.logger.level == logging.NOTSET:
        # Flask leaves its logger at WARNING, which would drop the INFO lines operators rely
        # on (mail written to the log when no SMTP host is set).
        app.logger.setLevel(logging.INFO)

    from lms import database, frame, naming, web
    from lms.extensions import csrf, db, migrate
    from lms.i18n import init_app as init_i18n
    from lms.auth.session import init_app as init_login
    from lms.content.store import ContentStore
    from lms.security import csrf_tokens, headers, input_guard

    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=str(REPO_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    csrf_tokens.init_app(app)
    init_login(app)
    init_i18n(app)
    naming.init_app(app)
    frame.init_app(app)
    headers.init_app(app)
    input_guard.init_app(app)
    app.extensions["lms.content"] = ContentStore(
        REPO_ROOT / app.config["CONTENT_DIR"] if not os.path.isabs(app.config["CONTENT_DIR"])
        else app.config["CONTENT_DIR"],
        check_interval=app.config["CONTENT_CHECK_INTERVAL"],
        keep_dir=Path(app.instance_path) / "content-last-good",
    )
    web.register(app)

    from lms.cli import register_commands

    register_commands(app)
    return app
