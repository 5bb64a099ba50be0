"""The one error type users see: a single line naming the file, key or path and the fix."""


class AdbenchError(Exception):
    """Bad input or environment. The message is one line, shown to the user without traceback."""
