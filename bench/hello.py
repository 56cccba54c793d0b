"""The framework ceiling: a bare Flask hello-world, served like the app."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    """Nothing but Flask's own request handling."""
    return "Hello, World!"
