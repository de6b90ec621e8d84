"""A fake X API v2 on loopback, for the demo, the tests and anyone without X credentials.

See README.md in this directory. Entry points: ``SandboxServer`` (HTTP), ``SandboxState``
(in-memory data and scripting helpers), ``sandbox_credentials`` and the scenario player in
``crm_twitter.sandbox.scenarios``.
"""

from crm_twitter.sandbox.state import SandboxState, sandbox_credentials

__all__ = ["SandboxState", "sandbox_credentials"]
