"""The seat core stays a library: no web framework inside."""

import subprocess
import sys


def test_importing_seat_core_loads_no_flask():
    web = "{'flask', 'werkzeug', 'scim_gateway'}"
    code = (
        f"import sys, seat_core; print(sorted(m for m in sys.modules if m.split('.')[0] in {web}))"
    )

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "[]"
