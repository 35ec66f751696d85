"""Flask extensions, created once and bound in create_app."""

from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
