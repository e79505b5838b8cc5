"""Errors the engine's services raise; the web layer maps each to one HTTP status."""


class EngineError(Exception):
    """Base of the errors a caller can act on; `str()` is a message fit for an API client."""


class NotFound(EngineError):
    """The definition, instance or task does not exist (or is outside the caller's scope)."""


class Conflict(EngineError):
    """The state changed meanwhile: a concurrent completion won, the task is already completed or claimed."""


class InvalidInput(EngineError):
    """Variables, files or arguments that cannot be accepted."""


class Forbidden(EngineError):
    """The caller may see the object but not do this to it (claim a task of another group, deploy, …)."""
