"""Example local configuration: copy to instance/config.py and adapt.

Every value can also be set by an environment variable prefixed with
PARTICIPATION_ (for example PARTICIPATION_DATABASE_URL), which wins over this file.
"""

# Production mode: secure cookies, HSTS, and the app refuses to start without a
# strong SECRET_KEY (at least 32 characters).
# PRODUCTION = True
# SECRET_KEY = "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"

# Database: SQLite in instance/ by default. For PostgreSQL (psycopg 3):
# DATABASE_URL = "postgresql+psycopg://faireavec@127.0.0.1:5432/faireavec"

# Behind one reverse proxy (nginx, Caddy…), trust its X-Forwarded-* headers:
# TRUSTED_PROXIES = 1

# Redis, shared by all workers and instances for rate limits and cached fragments:
# REDIS_URL = "redis://127.0.0.1:6379/0"

# Where rendered page fragments are kept (Flask-Caching): Redis when REDIS_URL is
# set, else each process's memory; "NullCache" turns caching off.
# CACHE_TYPE = "RedisCache"
# CACHE_DEFAULT_TIMEOUT = 3600

# Outgoing mail: "outbox" writes messages to instance/outbox/ (development).
# MAIL_BACKEND = "smtp"
# MAIL_SERVER = "smtp.example.org"
# MAIL_PORT = 587
# MAIL_USE_TLS = True
# MAIL_USERNAME = "faireavec"
# MAIL_PASSWORD = "..."
# MAIL_SENDER = "Faire avec <ne-pas-repondre@example.org>"

# Address printed on invitation letters (QR codes):
# PUBLIC_BASE_URL = "https://faireavec.example.org"
