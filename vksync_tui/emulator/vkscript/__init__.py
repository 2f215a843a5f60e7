"""VKScript, the language of VK's `execute`: tokenizer → parser → closure compiler/evaluator.

Public API for the emulator: `run_script(code, args, call_api, limits)` returning a `ScriptResult`
(`.response`, `.execute_errors`), and the two whole-execute failures `VKScriptCompileError` (VK error 12) and
`VKScriptRuntimeError` (VK error 13).
"""

from vksync_tui.emulator.vkscript.errors import VKScriptCompileError, VKScriptRuntimeError
from vksync_tui.emulator.vkscript.evaluator import ExecuteLimits, ScriptResult, run_script

__all__ = ["ExecuteLimits", "ScriptResult", "VKScriptCompileError", "VKScriptRuntimeError", "run_script"]
