"""The two ways a whole execute fails, carrying VK's error codes and message texts.

VK reports a script that cannot be parsed as error 12 and a script that fails while running as error 13; the
emulator's HTTP layer turns these exceptions into the usual `error` envelope, so each one carries exactly the
`error_code` / `error_msg` pair VK would send.
"""

COMPILE_ERROR_CODE = 12
RUNTIME_ERROR_CODE = 13
COMPILE_ERROR_PREFIX = "Unable to compile code"
RUNTIME_ERROR_PREFIX = "Runtime error occurred during code invocation"


class VKScriptCompileError(Exception):
    """The script is not valid VKScript (VK error 12); `line` is 1-based like VK's 'in line N'."""

    error_code = COMPILE_ERROR_CODE

    def __init__(self, detail: str, line: int) -> None:
        self.detail = detail
        self.line = line
        self.error_msg = f"{COMPILE_ERROR_PREFIX}: {detail} in line {line}"
        super().__init__(self.error_msg)


class VKScriptRuntimeError(Exception):
    """The script failed while running (VK error 13): a type error, a limit, or too many API calls."""

    error_code = RUNTIME_ERROR_CODE

    def __init__(self, detail: str) -> None:
        self.detail = detail
        self.error_msg = f"{RUNTIME_ERROR_PREFIX}: {detail}"
        super().__init__(self.error_msg)


def expected_found(expected: str, found: str, line: int) -> VKScriptCompileError:
    """VK's parser phrasing: `';' expected, '' found` — the empty quote means end of code."""
    return VKScriptCompileError(f"'{expected}' expected, '{found}' found", line)
