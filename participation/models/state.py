"""The error a model raises when asked for a move its state does not allow."""


class InvalidTransition(Exception):
    """The object is not in a state that allows this change."""
